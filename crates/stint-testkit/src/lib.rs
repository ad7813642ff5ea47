//! What the integration tests share for running the real servers they talk to (aiosmtpd, slapd,
//! scim2-server, an OpenID Provider, chromedriver): a free loopback port, a child process stopped by
//! its pid when dropped, and a wait for a listener that cannot be fooled by the kernel.
//!
//! Connecting to a loopback port in the ephemeral range where nothing listens yet can *succeed*:
//! Linux may pick the destination port as the source port and the socket connects to itself (TCP
//! simultaneous open). A readiness loop that only asks "did connect succeed?" then returns before
//! the server listens, and the test's first real connection is refused. [`accepts`] tells the two
//! apart.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a started server may take to listen before the test gives up on it.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// A loopback port nothing listens on (at the time of asking).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Whether something other than the connecting socket itself accepts on `port`.
pub fn accepts(port: u16) -> bool {
    connect(port).is_some()
}

fn connect(port: u16) -> Option<TcpStream> {
    let stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    let connected_to_itself = stream.local_addr().ok()? == stream.peer_addr().ok()?;
    (!connected_to_itself).then_some(stream)
}

/// Waits until `child` accepts on `port`; panics naming `what` when it exits first or takes longer
/// than half a minute.
pub fn wait_until_accepting(port: u16, child: &mut Child, what: &str) {
    wait_for(port, child, what, |_| true);
}

fn wait_for(port: u16, child: &mut Child, what: &str, ready: impl Fn(TcpStream) -> bool) {
    let started = Instant::now();
    loop {
        if connect(port).is_some_and(&ready) {
            return;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("{what} exited ({status}) before accepting connections on port {port}");
        }
        assert!(
            started.elapsed() < START_TIMEOUT,
            "{what} does not accept connections on port {port}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A child process, killed and reaped when dropped.
#[derive(Debug)]
pub struct Process(pub Child);

impl Process {
    pub fn child(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Python's `aiosmtpd` (`pip install aiosmtpd`), storing what it receives in a Maildir.
#[derive(Debug)]
pub struct Aiosmtpd {
    _process: Process,
    pub port: u16,
}

impl Aiosmtpd {
    /// Starts it on `port`, with `extra` options before the handler (e.g. `-s 1000` for a size
    /// limit), and returns once it has greeted a client with `220`.
    pub fn start(port: u16, maildir: &Path, extra: &[&str]) -> Aiosmtpd {
        let child = Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .args(extra)
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(maildir)
            .stdout(Stdio::null())
            .spawn()
            .expect("python3 -m aiosmtpd runs (pip install aiosmtpd)");
        let mut process = Process(child);
        wait_for(port, process.child(), "aiosmtpd", greets);
        Aiosmtpd {
            _process: process,
            port,
        }
    }

    /// Starts it on a free port.
    pub fn start_anywhere(maildir: &Path, extra: &[&str]) -> Aiosmtpd {
        Aiosmtpd::start(free_port(), maildir, extra)
    }
}

fn greets(stream: TcpStream) -> bool {
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut greeting = String::new();
    BufReader::new(stream).read_line(&mut greeting).is_ok() && greeting.starts_with("220")
}
