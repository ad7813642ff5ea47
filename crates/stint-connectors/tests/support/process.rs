//! Starting a real server for a test: a free port, and waiting until the child accepts on it.
//! Also included by stint-server's connector test, with the slapd harness.

use std::net::TcpStream;
use std::process::Child;
use std::time::{Duration, Instant};

/// A port nothing listens on (at the time of asking).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn wait_until_accepting(port: u16, child: &mut Child, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("{what} exited before accepting connections: {status}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("{what} does not accept connections on port {port}");
}
