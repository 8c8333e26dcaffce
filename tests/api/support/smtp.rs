//! A local SMTP server the test starts: speaks just enough SMTP for lettre (greeting, EHLO,
//! MAIL, RCPT, DATA, QUIT), keeps what it receives, and can be switched "down", when it
//! answers every connection with `421` and hangs up, as a server out of service does.

use std::sync::{
    Arc, Mutex,
    atomic::{AtomicBool, Ordering},
};

use storefront::config::{Config, PublicUrl, SmtpUrl};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
};

/// A message as the server received it.
#[derive(Clone, Debug)]
pub struct ReceivedMail {
    /// The envelope's recipients (`RCPT TO`), without the angle brackets.
    pub recipients: Vec<String>,
    /// Headers and body as sent after `DATA`, dot-unstuffed, lines joined with `\r\n`.
    pub data: String,
}

impl ReceivedMail {
    /// The value of the first header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<String> {
        let prefix = format!("{}:", name.to_ascii_lowercase());
        self.data
            .split("\r\n")
            .take_while(|line| !line.is_empty())
            .find(|line| line.to_ascii_lowercase().starts_with(&prefix))
            .map(|line| line[prefix.len()..].trim().to_owned())
    }

    /// The plain-text body as the reader sees it: the `text/plain` part of a multipart mail,
    /// decoded from the transfer encoding lettre chose (quoted-printable or base64 for text
    /// beyond ASCII).
    pub fn text(&self) -> String {
        let (headers, body) = self.data.split_once("\r\n\r\n").unwrap_or((&self.data, ""));
        let headers = unfold(headers);
        let Some(boundary) = headers
            .split("boundary=")
            .nth(1)
            .and_then(|rest| rest.split([';', ' ']).next())
            .map(|boundary| boundary.trim_matches('"'))
        else {
            return decode_body(&headers, body);
        };
        body.split(&format!("--{boundary}"))
            .filter_map(|part| part.trim_start_matches("\r\n").split_once("\r\n\r\n"))
            .map(|(part_headers, part_body)| (unfold(part_headers), part_body))
            .find(|(part_headers, _)| part_headers.to_ascii_lowercase().contains("text/plain"))
            .map(|(part_headers, part_body)| decode_body(&part_headers, part_body))
            .expect("a text/plain part")
    }

    /// The links in the text body that start with `prefix`.
    pub fn links(&self, prefix: &str) -> Vec<String> {
        let text = self.text();
        text.match_indices(prefix)
            .map(|(start, _)| {
                text[start..]
                    .split(char::is_whitespace)
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            })
            .collect()
    }
}

/// Header lines with their continuations joined.
fn unfold(headers: &str) -> String {
    headers.replace("\r\n ", " ").replace("\r\n\t", " ")
}

/// `body` decoded as its `Content-Transfer-Encoding` in `headers` says.
fn decode_body(headers: &str, body: &str) -> String {
    use base64::Engine;
    let encoding = headers.to_ascii_lowercase();
    if encoding.contains("content-transfer-encoding: base64") {
        let compact: String = body.split_whitespace().collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(compact)
            .unwrap();
        return String::from_utf8(bytes).unwrap();
    }
    if encoding.contains("content-transfer-encoding: quoted-printable") {
        let joined = body.replace("=\r\n", "");
        let mut bytes = Vec::new();
        let mut rest = joined.as_bytes();
        while let Some((&byte, tail)) = rest.split_first() {
            if byte == b'=' && tail.len() >= 2 {
                let hex = std::str::from_utf8(&tail[..2]).unwrap();
                bytes.push(u8::from_str_radix(hex, 16).unwrap());
                rest = &tail[2..];
            } else {
                bytes.push(byte);
                rest = tail;
            }
        }
        return String::from_utf8(bytes).unwrap();
    }
    body.to_owned()
}

/// The running server; stops when dropped.
pub struct SmtpServer {
    pub port: u16,
    received: Arc<Mutex<Vec<ReceivedMail>>>,
    is_down: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl SmtpServer {
    /// Listens on 127.0.0.1, on a free port.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let is_down = Arc::new(AtomicBool::new(false));
        let task = tokio::spawn({
            let (received, is_down) = (received.clone(), is_down.clone());
            async move {
                while let Ok((stream, _)) = listener.accept().await {
                    let (received, is_down) = (received.clone(), is_down.clone());
                    tokio::spawn(async move {
                        let _ = serve(stream, &received, is_down.load(Ordering::SeqCst)).await;
                    });
                }
            }
        });
        Self {
            port,
            received,
            is_down,
            task,
        }
    }

    /// `smtp://127.0.0.1:PORT`, plain SMTP.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Out of service (`true`) or back (`false`), from the next connection on.
    pub fn set_down(&self, is_down: bool) {
        self.is_down.store(is_down, Ordering::SeqCst);
    }

    /// Every message received so far.
    pub fn received(&self) -> Vec<ReceivedMail> {
        self.received.lock().unwrap().clone()
    }

    /// Waits until `count` messages have arrived (at most 10 s, then fails) and returns them.
    pub async fn wait_for(&self, count: usize) -> Vec<ReceivedMail> {
        for _ in 0..200 {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!(
            "expected {count} messages within 10 s, received {}",
            self.received().len()
        );
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(
    stream: TcpStream,
    received: &Mutex<Vec<ReceivedMail>>,
    is_down: bool,
) -> std::io::Result<()> {
    let (reader, mut writer) = stream.into_split();
    let mut lines = BufReader::new(reader).lines();
    if is_down {
        writer
            .write_all(b"421 test server out of service\r\n")
            .await?;
        return Ok(());
    }
    writer.write_all(b"220 test ESMTP\r\n").await?;
    let mut recipients = Vec::new();
    while let Some(line) = lines.next_line().await? {
        let command = line.to_ascii_uppercase();
        let reply: &[u8] = if command.starts_with("EHLO") || command.starts_with("HELO") {
            b"250 test\r\n"
        } else if command.starts_with("MAIL FROM") {
            recipients.clear();
            b"250 OK\r\n"
        } else if command.starts_with("RCPT TO") {
            let address = line[line.find(':').map_or(0, |colon| colon + 1)..]
                .trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_owned();
            recipients.push(address);
            b"250 OK\r\n"
        } else if command == "DATA" {
            writer.write_all(b"354 go ahead\r\n").await?;
            let mut data = Vec::new();
            while let Some(line) = lines.next_line().await? {
                if line == "." {
                    break;
                }
                data.push(line.strip_prefix('.').map_or(line.clone(), str::to_owned));
            }
            received.lock().unwrap().push(ReceivedMail {
                recipients: std::mem::take(&mut recipients),
                data: data.join("\r\n"),
            });
            b"250 OK queued\r\n"
        } else if command == "QUIT" {
            writer.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else if command == "RSET" || command == "NOOP" {
            b"250 OK\r\n"
        } else {
            b"502 not implemented\r\n"
        };
        writer.write_all(reply).await?;
    }
    Ok(())
}

/// Sends the app's mails to `smtp`.
pub fn mail_through(smtp: &SmtpServer) -> impl FnOnce(&mut Config) + use<> {
    let url = smtp.url();
    move |config| {
        config.smtp_url = Some(SmtpUrl(url.into()));
        config.mail_from = "Shop <noreply@shop.example.com>".parse().unwrap();
        config.storefront_public_url = Some(PublicUrl::parse("https://shop.example.com").unwrap());
    }
}
