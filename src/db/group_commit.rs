//! Group commit: the writes of many requests, of one kind, run together.
//!
//! On SQLite every write goes through the one writer connection, and each autocommit statement
//! pays a round trip to sqlx's worker thread plus a commit; on PostgreSQL every commit waits for
//! the log flush. A queue in front of the writer lets one task take whatever requests are waiting,
//! run them together and answer each once they are committed: nobody is answered before their
//! change is durable, and under load the cost of a statement and of a commit is shared. A kind of
//! write says how to run a batch ([`BatchWrite`]): in one transaction, and merging the items of
//! a batch into fewer statements where it can.

use std::{future::Future, panic::AssertUnwindSafe, sync::Arc};

use futures_util::FutureExt;

use sea_orm::DbErr;
use tokio::sync::{mpsc, oneshot};

use super::Writer;

/// Most requests one transaction takes: a batch holds SQLite's write lock while it runs.
const MAX_BATCH: usize = 64;
/// How often the batch task steps aside before it takes the waiting requests (measured at 8
/// connections patching profiles on 2 cores: 1 yield, 4.4 requests a batch; 3 yields, 5.8).
const GATHER_YIELDS: usize = 3;
/// Requests waiting beyond this make the next one wait to be queued.
const QUEUE_DEPTH: usize = 4096;

/// One kind of write that can run many requests' worth in one transaction.
pub trait BatchWrite: Send + Sync + 'static {
    /// What one request asks for.
    type Item: Send + Sync + 'static;
    /// What it gets back once committed.
    type Output: Send + 'static;

    /// Applies `items` on `db` as if they ran one after another in this order, all or none (in
    /// one transaction when that takes more than one statement); returns one output per item,
    /// in the same order.
    fn apply(
        &self,
        db: &Writer,
        items: &[Self::Item],
    ) -> impl Future<Output = Result<Vec<Self::Output>, DbErr>> + Send;

    /// Runs once the batch is committed, before anybody is answered (to update caches).
    fn committed(&self, _outputs: &[Self::Output]) {}
}

type Reply<W> = oneshot::Sender<Result<<W as BatchWrite>::Output, Arc<DbErr>>>;
type Request<W> = (<W as BatchWrite>::Item, Reply<W>);

/// The queue of one kind of write, served by its own task.
pub struct GroupCommit<W: BatchWrite> {
    queue: mpsc::Sender<Request<W>>,
}

impl<W: BatchWrite> GroupCommit<W> {
    /// Starts the task that runs `write`'s batches on `db` (the writer connection).
    pub fn start(db: Writer, write: W) -> Self {
        let (queue, mut waiting) = mpsc::channel(QUEUE_DEPTH);
        tokio::spawn(async move {
            while let Some(first) = waiting.recv().await {
                // A panic fails only this batch's requests (their replies are dropped).
                let batch = AssertUnwindSafe(run_batch(&db, &write, first, &mut waiting));
                if batch.catch_unwind().await.is_err() {
                    tracing::error!("a write batch panicked; its requests failed");
                }
            }
        });
        Self { queue }
    }

    /// Queues `item` and waits until it is committed.
    pub async fn submit(&self, item: W::Item) -> anyhow::Result<W::Output> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send((item, reply))
            .await
            .map_err(|_| anyhow::anyhow!("the write queue has stopped"))?;
        match answer.await {
            Ok(Ok(output)) => Ok(output),
            Ok(Err(error)) => Err(anyhow::anyhow!("{error}").context("running a queued write")),
            Err(_) => Err(anyhow::anyhow!(
                "a queued write was abandoned (its batch failed)"
            )),
        }
    }
}

/// Runs `first` and whatever else is waiting as one batch. When that fails and holds more than
/// one request, each runs again on its own, so that one bad request cannot fail the others.
async fn run_batch<W: BatchWrite>(
    db: &Writer,
    write: &W,
    first: Request<W>,
    waiting: &mut mpsc::Receiver<Request<W>>,
) {
    // Let the requests being read right now reach the queue and join this batch: each yield
    // lets the other ready tasks run and the runtime poll the sockets once. Idle, it costs
    // microseconds; under load it fills the batch without any timer.
    for _ in 0..GATHER_YIELDS {
        tokio::task::yield_now().await;
    }
    let mut requests = vec![first];
    while requests.len() < MAX_BATCH {
        match waiting.try_recv() {
            Ok(request) => requests.push(request),
            Err(_) => break,
        }
    }
    let (items, replies): (Vec<_>, Vec<_>) = requests.into_iter().unzip();
    match apply(db, write, &items).await {
        Err(error) if items.len() > 1 => {
            tracing::warn!(error = ?error, size = items.len(), "a write batch failed; retrying its writes one by one");
            for (item, reply) in items.iter().zip(replies) {
                let alone = apply(db, write, std::slice::from_ref(item)).await;
                deliver::<W>(vec![reply], alone);
            }
        }
        outcome => deliver::<W>(replies, outcome),
    }
}

async fn apply<W: BatchWrite>(
    db: &Writer,
    write: &W,
    items: &[W::Item],
) -> Result<Vec<W::Output>, DbErr> {
    let outputs = write.apply(db, items).await?;
    if outputs.len() != items.len() {
        return Err(DbErr::Custom(format!(
            "a write batch of {} gave {} answers",
            items.len(),
            outputs.len()
        )));
    }
    write.committed(&outputs);
    Ok(outputs)
}

/// Answers each request with its output, or all of them with the batch's error.
fn deliver<W: BatchWrite>(replies: Vec<Reply<W>>, outcome: Result<Vec<W::Output>, DbErr>) {
    // A requester that went away (client disconnected) needs no answer: its write stands.
    match outcome {
        Ok(outputs) => {
            for (reply, output) in replies.into_iter().zip(outputs) {
                let _ = reply.send(Ok(output));
            }
        }
        Err(error) => {
            let error = Arc::new(error);
            for reply in replies {
                let _ = reply.send(Err(error.clone()));
            }
        }
    }
}
