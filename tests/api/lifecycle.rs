//! The real binary's life: started on a free port, stopped by a signal while a request is under
//! way, and what it logs meanwhile (its own process, so its log is its own).

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, ExitStatus, Stdio},
    time::Duration,
};

use sea_orm::ConnectionTrait;
use serde_json::Value;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    sync::mpsc,
};

use crate::support::{Customer, TestDatabase, random_word};

/// Long enough never to be reached when things work; it only keeps a broken test from hanging.
const PATIENCE: Duration = Duration::from_secs(60);

/// `storefront` running as its own process, logging JSON lines to a pipe we read.
pub struct Server {
    process: Child,
    address: String,
    /// The log lines not looked at yet, parsed.
    lines: mpsc::UnboundedReceiver<Value>,
    /// The log lines looked at so far.
    seen: Vec<Value>,
    pub database: TestDatabase,
}

impl Server {
    /// Starts the binary with a fresh database and `settings` on top of the defaults (the
    /// test process's own `STOREFRONT_LOG` is not passed on), and waits until it listens.
    pub async fn start(settings: &[(&str, &str)]) -> Self {
        let database = TestDatabase::create().await;
        let mut command = Command::new(env!("CARGO_BIN_EXE_storefront"));
        command
            .env("DATABASE_URL", database.connection_string())
            .env("STOREFRONT_BIND", "127.0.0.1:0")
            .env("STOREFRONT_LOG_FORMAT", "json")
            .env_remove("STOREFRONT_LOG")
            .env_remove("STOREFRONT_ACCESS_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if let Ok(url) = std::env::var("STOREFRONT_TEST_SESSION_STORE") {
            command
                .env("SESSION_STORE", url)
                .env("SESSION_REDIS_PREFIX", format!("test:{}:", random_word(16)));
        }
        for (name, value) in settings {
            command.env(name, value);
        }
        let mut process = command.spawn().expect("the storefront binary starts");
        let stderr = process.stderr.take().unwrap();
        let (sender, lines) = mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let parsed = serde_json::from_str(&line).unwrap_or(Value::String(line));
                if sender.send(parsed).is_err() {
                    break;
                }
            }
        });
        let mut server = Self {
            process,
            address: String::new(),
            lines,
            seen: Vec::new(),
            database,
        };
        let listening = server.wait_for_line("storefront listening").await;
        server.address = listening["address"].as_str().unwrap().to_owned();
        server
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Waits for the next log line with this message, keeping the ones before it.
    async fn wait_for_line(&mut self, message: &str) -> Value {
        loop {
            let line = tokio::time::timeout(PATIENCE, self.lines.recv())
                .await
                .unwrap_or_else(|_| panic!("no {message:?} line; saw {:#?}", self.seen))
                .unwrap_or_else(|| panic!("the log ended before {message:?}: {:#?}", self.seen));
            self.seen.push(line.clone());
            if line["message"] == message {
                return line;
            }
        }
    }

    /// Stops the server and waits for it to exit; returns every line it logged.
    pub async fn stop(mut self) -> Vec<Value> {
        self.signal("TERM");
        assert!(self.exit_status().await.success(), "{:#?}", self.seen);
        std::mem::take(&mut self.seen)
    }

    /// Sends the signal (`TERM`, `INT`) as an orchestrator would.
    fn signal(&self, name: &str) {
        let sent = Command::new("kill")
            .args([format!("-{name}"), self.process.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success(), "kill -{name} failed");
    }

    /// Waits until the process has exited; then every line it logged is in `seen`.
    async fn exit_status(&mut self) -> ExitStatus {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        let status = loop {
            if let Some(status) = self.process.try_wait().unwrap() {
                break status;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "still running; logged {:#?}",
                self.seen
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        while let Some(line) = self.lines.recv().await {
            self.seen.push(line);
        }
        status
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// A request written by hand on its own connection, so the test decides when the body goes.
struct SlowRequest {
    connection: TcpStream,
    body: String,
}

impl SlowRequest {
    /// Sends the head of a `POST` announcing `body` with `Expect: 100-continue`, and waits for
    /// the server's `100 Continue`: sent when the handler starts reading the body, it proves
    /// the request was accepted and is under way.
    async fn start(server: &Server, path: &str, body: String) -> Self {
        let mut connection = TcpStream::connect(&server.address).await.unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
            server.address,
            body.len()
        );
        connection.write_all(head.as_bytes()).await.unwrap();
        let mut interim = Vec::new();
        while !interim.ends_with(b"\r\n\r\n") {
            let byte = tokio::time::timeout(PATIENCE, connection.read_u8())
                .await
                .expect("an interim answer")
                .unwrap();
            interim.push(byte);
        }
        assert!(
            interim.starts_with(b"HTTP/1.1 100 Continue\r\n"),
            "{}",
            String::from_utf8_lossy(&interim)
        );
        Self { connection, body }
    }

    /// Sends the body and reads the answer: its status code and body.
    async fn finish(mut self) -> (u16, Value) {
        self.connection
            .write_all(self.body.as_bytes())
            .await
            .unwrap();
        let mut answer = Vec::new();
        tokio::time::timeout(PATIENCE, self.connection.read_to_end(&mut answer))
            .await
            .expect("the answer")
            .unwrap();
        let answer = String::from_utf8(answer).unwrap();
        let (head, body) = answer.split_once("\r\n\r\n").unwrap();
        let status = head.split(' ').nth(1).unwrap().parse().unwrap();
        (status, serde_json::from_str(body).unwrap_or(Value::Null))
    }
}

#[tokio::test]
async fn sigterm_during_a_request_answers_it_then_exits_cleanly() {
    let mut server = Server::start(&[]).await;
    let request = SlowRequest::start(
        &server,
        "/users/registration/",
        Customer::generate().registration().to_string(),
    )
    .await;

    server.signal("TERM");
    server.wait_for_line("shutting down").await;
    let (status, body) = request.finish().await;

    assert_eq!(status, 201, "{body}");
    assert!(body["key"].is_string(), "{body}");
    assert!(server.exit_status().await.success(), "{:#?}", server.seen);
    assert_eq!(server.seen.last().unwrap()["message"], "stopped");
}

#[tokio::test]
async fn sigint_stops_an_idle_server_cleanly() {
    let mut server = Server::start(&[]).await;
    let answer = reqwest::get(server.url("/healthz")).await.unwrap();
    assert_eq!(answer.status(), 200);

    server.signal("INT");

    assert!(server.exit_status().await.success(), "{:#?}", server.seen);
    assert_eq!(server.seen.last().unwrap()["message"], "stopped");
}

#[tokio::test]
async fn a_request_that_outlives_the_shutdown_timeout_does_not_hold_the_exit() {
    let mut server = Server::start(&[("STOREFRONT_SHUTDOWN_TIMEOUT", "0")]).await;
    let _never_finished = SlowRequest::start(
        &server,
        "/users/registration/",
        Customer::generate().registration().to_string(),
    )
    .await;

    server.signal("TERM");

    assert!(server.exit_status().await.success(), "{:#?}", server.seen);
    let warning = server
        .seen
        .iter()
        .find(|line| line["level"] == "WARN")
        .unwrap_or_else(|| panic!("no warning in {:#?}", server.seen));
    assert_eq!(
        warning["message"],
        "requests still under way at the shutdown timeout; stopping without them"
    );
}

#[tokio::test]
async fn at_the_default_log_level_a_request_that_logs_nothing_leaves_no_line() {
    let server = Server::start(&[]).await;

    reqwest::get(server.url("/csrf_token/")).await.unwrap();
    reqwest::get(server.url("/current_user/")).await.unwrap();

    let messages: Vec<_> = server
        .stop()
        .await
        .iter()
        .map(|line| line["message"].clone())
        .skip_while(|message| message != "storefront listening")
        .collect();
    assert_eq!(
        messages,
        ["storefront listening", "shutting down", "stopped"]
    );
}

#[tokio::test]
async fn the_access_log_has_a_line_per_answered_request_and_no_query() {
    let server = Server::start(&[("STOREFRONT_ACCESS_LOG", "true")]).await;

    reqwest::Client::new()
        .get(server.url("/csrf_token/?token=hunter2"))
        .header("x-request-id", "test-42")
        .send()
        .await
        .unwrap();
    reqwest::get(server.url("/no/such/page/")).await.unwrap();

    let log = server.stop().await;
    let answered: Vec<_> = log
        .iter()
        .filter(|line| line["message"] == "answered")
        .collect();
    assert_eq!(answered.len(), 2, "{log:#?}");
    assert_eq!(answered[0]["level"], "INFO");
    assert_eq!(answered[0]["method"], "GET");
    assert_eq!(answered[0]["route"], "/csrf_token/");
    assert_eq!(answered[0]["status"], 200);
    assert_eq!(answered[0]["request_id"], "test-42");
    assert!(answered[0]["duration_us"].is_u64(), "{}", answered[0]);
    assert_eq!(answered[1]["route"], "unmatched");
    assert_eq!(answered[1]["status"], 404);
    assert!(answered[1]["request_id"].is_string(), "{}", answered[1]);
    assert!(!format!("{log:?}").contains("hunter2"));
}

#[tokio::test]
async fn a_server_error_is_logged_with_the_method_route_request_id_and_cause() {
    let server = Server::start(&[]).await;
    let side = server.database.connect().await;
    side.execute_unprepared("ALTER TABLE users RENAME TO users_gone")
        .await
        .unwrap();

    let answer = reqwest::Client::new()
        .post(server.url("/users/registration/"))
        .header("x-request-id", "broken-1")
        .json(&Customer::generate().registration())
        .send()
        .await
        .unwrap();

    assert_eq!(answer.status(), 500);
    let log = server.stop().await;
    let error = log
        .iter()
        .find(|line| line["level"] == "ERROR")
        .unwrap_or_else(|| panic!("no error in {log:#?}"));
    assert_eq!(error["message"], "request failed");
    assert_eq!(error["method"], "POST");
    assert_eq!(error["route"], "/users/registration/");
    assert_eq!(error["request_id"], "broken-1");
    assert_eq!(error["status"], 500);
    assert!(
        error["error"].as_str().unwrap().contains("users"),
        "{error}"
    );
}
