//! Issue 20, backups: `stint backup` copies a SQLite database while `stint serve` takes writes
//! from several clients. A second server starts on the copy, the copy's audit chain verifies
//! (U4), and every write acknowledged before the backup began is in it.
#![allow(clippy::unwrap_used)]

mod audit_kit;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use audit_kit::{stderr, stint, succeeded, Server};

/// Concurrent writers.
const WRITERS: usize = 4;
/// Writes acknowledged before the backup starts...
const ACKED_BEFORE: usize = 60;
/// ...and after it ended, while the writers keep going.
const ACKED_AFTER: usize = 20;

/// Waits until `acked` holds `count` writes.
fn wait_for(acked: &Mutex<Vec<String>>, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while acked.lock().unwrap().len() < count {
        assert!(Instant::now() < deadline, "the writers stalled");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Sets its flag when dropped.
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

#[test]
fn u4_a_backup_under_write_load_holds_every_acknowledged_write_and_a_verified_chain() {
    let directory = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", directory.path().join("stint.db").display());
    let copy = directory.path().join("copy.db");
    let copy_path = copy.to_str().unwrap();
    let server = Server::start(&database);
    let token = server.admin_token();

    let acked = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    std::thread::scope(|scope| {
        for writer in 0..WRITERS {
            let (server, token, acked, stop) = (&server, &token, acked.clone(), stop.clone());
            scope.spawn(move || {
                let http = reqwest::blocking::Client::new();
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    if let Some(id) = server.create_group(&http, token, &format!("w{writer}-{n}")) {
                        acked.lock().unwrap().push(id);
                    }
                }
            });
        }
        // Should anything below fail, the writers stop and the failure is reported.
        let _stop_writers = StopOnDrop(stop.clone());
        wait_for(&acked, ACKED_BEFORE);
        let before: Vec<String> = acked.lock().unwrap().clone();
        let backup = stint(&["backup", "--database", &database, "--to", copy_path]);
        let after_backup = acked.lock().unwrap().len();
        wait_for(&acked, after_backup + ACKED_AFTER);
        stop.store(true, Ordering::Relaxed);
        succeeded(&backup);

        // A second server on the copy has every write acknowledged before the backup began.
        let restored = Server::start(copy_path);
        let restored_token = restored.admin_token();
        let lost: Vec<&String> = before
            .iter()
            .filter(|id| !restored.has_group(&restored_token, id))
            .collect();
        assert!(lost.is_empty(), "writes lost by the backup: {lost:?}");
    });
    assert!(acked.lock().unwrap().len() >= ACKED_BEFORE + ACKED_AFTER);

    let verified = succeeded(&stint(&["audit", "verify", "--database", copy_path]));
    assert!(verified.contains("verifies"), "{verified}");

    // A backup never overwrites a file, and leaves it as it was.
    let before = std::fs::read(&copy).unwrap();
    let again = stint(&["backup", "--database", &database, "--to", copy_path]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("exists already"),
        "{}",
        stderr(&again)
    );
    assert_eq!(std::fs::read(&copy).unwrap(), before);
}

#[test]
fn backups_of_postgres_print_the_procedure_and_fail() {
    let output = stint(&[
        "backup",
        "--database",
        "postgres://stint@127.0.0.1:5432/stint",
        "--to",
        "stint.dump",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("pg_dump"), "{}", stderr(&output));
    assert!(stderr(&output).contains("stint audit verify --database"));
    assert!(!std::path::Path::new("stint.dump").exists());
}
