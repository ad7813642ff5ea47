//! Argon2id password hashing (SPEC I5). Hashing is slow on purpose, so it runs off the async threads.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use std::sync::Arc;
use std::time::Duration;

use stint_core::directory::PasswordHash;
use tokio::sync::Semaphore;

use crate::error::{AppError, AppResult};

/// A password as typed. Its `Debug` never shows it.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub fn new(text: impl Into<String>) -> Self {
        Password(text.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

stint_core::redacted_debug!(Password);

pub async fn hash(password: Password) -> AppResult<PasswordHash> {
    tokio::task::spawn_blocking(move || hash_now(&password))
        .await
        .map_err(|_| AppError::Busy)?
}

fn hash_now(password: &Password) -> AppResult<PasswordHash> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.expose().as_bytes(), &salt)
        .map(|hash| PasswordHash(hash.to_string()))
        .map_err(|_| AppError::Busy)
}

/// Verifies `password` against `stored`; with no stored hash, still spends the same time, so
/// that a caller cannot tell an unknown user from a wrong password.
fn verify_now(password: &Password, stored: Option<PasswordHash>) -> bool {
    let reference = stored
        .map(|hash| hash.0)
        .unwrap_or_else(|| DUMMY_HASH.to_string());
    let Ok(parsed) = argon2::PasswordHash::new(&reference) else {
        return false;
    };
    let matches = Argon2::default()
        .verify_password(password.expose().as_bytes(), &parsed)
        .is_ok();
    matches && reference != DUMMY_HASH
}

/// F3: at most `permits` password hashes run at once (each Argon2id hash takes 19 MiB and a core
/// for tens of milliseconds); a hash that cannot start within `wait` is refused with
/// [`AppError::Busy`]. The permit lives as long as the hash itself, even when the caller goes away.
#[derive(Debug)]
pub struct PasswordGate {
    permits: Arc<Semaphore>,
    wait: Duration,
}

impl PasswordGate {
    pub fn new(permits: usize, wait: Duration) -> PasswordGate {
        PasswordGate {
            permits: Arc::new(Semaphore::new(permits.max(1))),
            wait,
        }
    }

    pub async fn hash(&self, password: Password) -> AppResult<PasswordHash> {
        self.run(move || hash_now(&password)).await?
    }

    pub async fn verify(
        &self,
        password: Password,
        stored: Option<PasswordHash>,
    ) -> AppResult<bool> {
        self.run(move || verify_now(&password, stored)).await
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> AppResult<T> {
        let permit = match Arc::clone(&self.permits).try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => tokio::time::timeout(self.wait, Arc::clone(&self.permits).acquire_owned())
                .await
                .map_err(|_| AppError::Busy)?
                .map_err(|_| AppError::Busy)?,
        };
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        })
        .await
        .map_err(|_| AppError::Busy)
    }
}

/// The Argon2id hash of a random string nobody knows, for constant-time refusals.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c3RpbnRkdW1teXNhbHQ$0Kk8hc3Lh1bqb3HqmtcG3h8oE5m4mDfcCnxTo6c7Tng";

/// A random password for the first administrator.
pub fn generate() -> Password {
    use rand::distributions::{Alphanumeric, DistString};
    Password(Alphanumeric.sample_string(&mut rand::rngs::OsRng, 24))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn i5_passwords_are_stored_as_argon2id_and_verify() {
        let gate = PasswordGate::new(1, Duration::from_secs(60));
        let stored = hash(Password::new("correct horse")).await.unwrap();
        assert!(stored.0.starts_with("$argon2id$"));
        let verify = |password: &str, stored: Option<PasswordHash>| {
            gate.verify(Password::new(password), stored)
        };
        assert!(verify("correct horse", Some(stored.clone())).await.unwrap());
        assert!(!verify("wrong", Some(stored)).await.unwrap());
        assert!(!verify("anything", None).await.unwrap());
    }

    #[tokio::test]
    async fn f3_a_password_check_that_cannot_start_in_time_is_busy_and_does_no_work() {
        let gate = PasswordGate::new(1, Duration::ZERO);
        let held = Arc::clone(&gate.permits).try_acquire_owned().unwrap();
        let refused = gate.verify(Password::new("x"), None).await;
        assert!(matches!(refused, Err(AppError::Busy)));
        drop(held);
        assert!(!gate.verify(Password::new("x"), None).await.unwrap());
    }

    #[test]
    fn passwords_never_show_in_debug_output() {
        assert!(!format!("{:?}", Password::new("hunter2")).contains("hunter2"));
    }
}
