//! Background work: every task the server runs beside the requests (the session purge, SQLite
//! checkpoints, metrics upkeep, later the outbox worker) is started here by name, and stopped
//! by [`BackgroundTasks::stop`] when the server shuts down.

use std::{future::Future, panic::AssertUnwindSafe, time::Duration};

use futures_util::FutureExt;
use tokio::time::MissedTickBehavior;
use tokio_util::{sync::CancellationToken, task::TaskTracker};
use tracing::Instrument;

/// The application's background tasks. Dropping it stops them too (without waiting).
#[derive(Debug, Default)]
pub struct BackgroundTasks {
    stopping: CancellationToken,
    running: TaskTracker,
}

impl BackgroundTasks {
    /// No tasks yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `task` until it ends or the tasks are stopped; a stop cancels it at its next
    /// `.await`, so it must leave nothing half done there (use [`Self::every`] for jobs).
    pub fn spawn(&self, name: &'static str, task: impl Future<Output = ()> + Send + 'static) {
        let stopping = self.stopping.clone();
        self.running.spawn(
            async move {
                tokio::select! {
                    () = stopping.cancelled() => {}
                    () = task => tracing::debug!("task ended"),
                }
            }
            .instrument(tracing::info_span!("task", name)),
        );
    }

    /// Runs `job` at once and then every `interval` (counted from the end of the last run),
    /// until the tasks are stopped. A run under way when they are stopped finishes first; a run
    /// that panics is logged and the next one runs on time.
    pub fn every<Job, Run>(&self, name: &'static str, interval: Duration, mut job: Job)
    where
        Job: FnMut() -> Run + Send + 'static,
        Run: Future<Output = ()> + Send,
    {
        let stopping = self.stopping.clone();
        self.running.spawn(
            async move {
                let mut ticker = tokio::time::interval(interval);
                ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
                loop {
                    tokio::select! {
                        () = stopping.cancelled() => break,
                        _ = ticker.tick() => {}
                    }
                    if AssertUnwindSafe(job()).catch_unwind().await.is_err() {
                        tracing::error!("a run of the task panicked");
                    }
                }
            }
            .instrument(tracing::info_span!("task", name)),
        );
    }

    /// Stops every task and waits until they have stopped.
    pub async fn stop(&self) {
        self.stopping.cancel();
        self.running.close();
        self.running.wait().await;
    }
}

impl Drop for BackgroundTasks {
    fn drop(&mut self) {
        self.stopping.cancel();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    };

    use tokio::sync::{Notify, mpsc};

    use super::*;

    /// Long enough never to be reached by a test that works; it only keeps a broken one from
    /// hanging.
    const PATIENCE: Duration = Duration::from_secs(30);

    #[tokio::test]
    async fn a_periodic_job_runs_again_and_again_until_stopped() {
        let tasks = BackgroundTasks::new();
        let (ran, mut runs) = mpsc::unbounded_channel();
        let count = Arc::new(AtomicUsize::new(0));
        let counted = count.clone();
        tasks.every("count", Duration::from_millis(1), move || {
            counted.fetch_add(1, Ordering::SeqCst);
            let _ = ran.send(());
            async {}
        });

        for _ in 0..3 {
            tokio::time::timeout(PATIENCE, runs.recv()).await.unwrap();
        }
        tasks.stop().await;
        let after_stop = count.load(Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(20)).await;

        assert_eq!(count.load(Ordering::SeqCst), after_stop);
    }

    #[tokio::test]
    async fn stopping_lets_the_run_under_way_finish_and_cancels_a_plain_task() {
        let tasks = Arc::new(BackgroundTasks::new());
        let (started, release) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
        let finished = Arc::new(AtomicUsize::new(0));
        let (job_started, job_release, job_finished) =
            (started.clone(), release.clone(), finished.clone());
        tasks.every("slow", Duration::from_secs(3600), move || {
            let (started, release, finished) = (
                job_started.clone(),
                job_release.clone(),
                job_finished.clone(),
            );
            async move {
                started.notify_one();
                release.notified().await;
                finished.fetch_add(1, Ordering::SeqCst);
            }
        });
        tasks.spawn("forever", std::future::pending());
        tokio::time::timeout(PATIENCE, started.notified())
            .await
            .unwrap();

        let stopping = tokio::spawn({
            let tasks = tasks.clone();
            async move { tasks.stop().await }
        });
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        let stopped_before_the_run_ended = stopping.is_finished();
        release.notify_one();
        tokio::time::timeout(PATIENCE, stopping)
            .await
            .unwrap()
            .unwrap();

        assert!(!stopped_before_the_run_ended);
        assert_eq!(finished.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_run_that_panics_does_not_end_the_task() {
        let tasks = BackgroundTasks::new();
        let (ran, mut runs) = mpsc::unbounded_channel();
        let count = Arc::new(AtomicUsize::new(0));
        tasks.every("flaky", Duration::from_millis(1), move || {
            let run = count.fetch_add(1, Ordering::SeqCst);
            let ran = ran.clone();
            async move {
                assert!(run > 0, "the first run fails");
                let _ = ran.send(run);
            }
        });

        let next = tokio::time::timeout(PATIENCE, runs.recv()).await.unwrap();
        tasks.stop().await;

        assert_eq!(next, Some(1));
    }
}
