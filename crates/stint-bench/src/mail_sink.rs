//! An SMTP server inside the benchmark: `mailin`'s RFC 5321 session over blocking IO, a thread a
//! connection. It accepts every mail and notes when it accepted each one, by the `Message-ID`
//! Stint gives it (the outbox message's id), so a mail is matched with the decision that wrote it.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};
use mailin::response::OK;
use mailin::{Action, Handler, Response, SessionBuilder};

const NAME: &str = "sink.bench.example";

/// When each message was accepted: the first time, and how many times it came.
#[derive(Debug, Default)]
pub struct Accepted {
    pub first: HashMap<String, DateTime<Utc>>,
    pub copies: HashMap<String, u32>,
}

#[derive(Clone)]
struct Recorder {
    accepted: Arc<Mutex<Accepted>>,
    message: Vec<u8>,
}

impl Handler for Recorder {
    fn data_start(
        &mut self,
        _domain: &str,
        _from: &str,
        _is8bit: bool,
        _to: &[String],
    ) -> Response {
        self.message.clear();
        OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.message.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let at = Utc::now();
        if let Some(id) = message_id(&self.message) {
            let mut accepted = self.accepted.lock().unwrap_or_else(PoisonError::into_inner);
            *accepted.copies.entry(id.clone()).or_default() += 1;
            accepted.first.entry(id).or_insert(at);
        }
        OK
    }
}

/// One SMTP connection, line by line, until the client quits or hangs up.
fn converse(stream: TcpStream, recorder: Recorder) -> std::io::Result<()> {
    let peer = stream.peer_addr()?.ip();
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = BufWriter::new(stream);
    let builder = SessionBuilder::new(NAME);
    let mut session = builder.build(peer, recorder);
    reply(&mut writer, &session.greeting())?;
    let mut line = Vec::with_capacity(1024);
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        let response = session.process(&line);
        if response.is_error {
            let command = String::from_utf8_lossy(&line);
            eprintln!(
                "mail sink: refused {:?} with {}",
                command.trim_end(),
                response.code
            );
        }
        match response.action {
            Action::Reply => reply(&mut writer, &response)?,
            Action::Close => return reply(&mut writer, &response),
            Action::NoReply => {}
            // STARTTLS is not offered, so this does not happen; without TLS there is nothing to upgrade to.
            Action::UpgradeTls => return Ok(()),
        }
    }
}

fn reply(writer: &mut impl Write, response: &Response) -> std::io::Result<()> {
    response.write_to(writer)?;
    writer.flush()
}

/// The local part of the `Message-ID` header: `<LOCAL@domain>`.
fn message_id(message: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(message);
    let line = text
        .lines()
        .take_while(|line| !line.is_empty())
        .find(|line| line.to_ascii_lowercase().starts_with("message-id:"))?;
    let (_, rest) = line.split_once('<')?;
    let (local, _) = rest.split_once('@')?;
    Some(local.to_owned())
}

/// The running server: its port and what it accepted so far. It runs until the process ends.
pub struct MailSink {
    pub port: u16,
    accepted: Arc<Mutex<Accepted>>,
}

impl MailSink {
    pub fn start() -> anyhow::Result<MailSink> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let accepted = Arc::new(Mutex::new(Accepted::default()));
        let recorder = Recorder {
            accepted: accepted.clone(),
            message: Vec::new(),
        };
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let recorder = recorder.clone();
                std::thread::spawn(move || {
                    if let Err(error) = converse(stream, recorder) {
                        eprintln!("mail sink: a connection failed: {error}");
                    }
                });
            }
        });
        Ok(MailSink { port, accepted })
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Runs `f` on what was accepted so far.
    pub fn read<T>(&self, f: impl FnOnce(&Accepted) -> T) -> T {
        f(&self.accepted.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Forgets what was accepted (between runs).
    pub fn clear(&self) {
        *self.accepted.lock().unwrap_or_else(PoisonError::into_inner) = Accepted::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_id_is_read_from_the_headers_only() {
        let mail =
            b"From: a@b\r\nMessage-ID: <0f8fad5b@stint.example>\r\n\r\nMessage-ID: <x@y>\r\n";
        assert_eq!(message_id(mail).as_deref(), Some("0f8fad5b"));
        assert_eq!(message_id(b"From: a@b\r\n\r\nMessage-ID: <x@y>\r\n"), None);
    }
}
