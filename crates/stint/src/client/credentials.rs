//! The saved sign-in: `{server, token, username, expires_at}` in
//! `$STINT_CONFIG_DIR/credentials.json`, or `credentials.json` in the `stint` folder of the user's
//! config directory (`$XDG_CONFIG_HOME/stint` on Linux). The file is written with mode 0600 (its
//! folder 0700) and replaced atomically. `Debug` never shows the token.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::error::{CliError, CliResult};

const FILE_NAME: &str = "credentials.json";

/// A saved sign-in.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Credentials {
    /// The server's base URL, without a trailing slash.
    pub server: String,
    pub token: String,
    pub username: String,
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("server", &self.server)
            .field("token", &"<redacted>")
            .field("username", &self.username)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Where the credentials file lives.
pub fn config_dir() -> CliResult<PathBuf> {
    if let Some(dir) = std::env::var_os("STINT_CONFIG_DIR").filter(|dir| !dir.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    dirs::config_dir()
        .map(|dir| dir.join("stint"))
        .ok_or_else(|| {
            CliError::Other(
                "Cannot find your config directory; set STINT_CONFIG_DIR to a folder for Stint's credentials."
                    .into(),
            )
        })
}

pub fn path() -> CliResult<PathBuf> {
    Ok(config_dir()?.join(FILE_NAME))
}

/// The saved credentials, or `None` when there are none.
pub fn load() -> CliResult<Option<Credentials>> {
    load_from(&path()?)
}

pub fn load_from(path: &Path) -> CliResult<Option<Credentials>> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => {
            return Err(CliError::Other(format!(
                "Cannot read {}: {error}",
                path.display()
            )))
        }
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|_| CliError::Auth {
            message: format!(
                "The saved credentials in {} are unreadable.",
                path.display()
            ),
            hint: "Run `stint login` to sign in again.".into(),
        })
}

/// Saves `credentials`, readable by the user only.
pub fn save(credentials: &Credentials) -> CliResult<PathBuf> {
    let path = path()?;
    save_to(&path, credentials)?;
    Ok(path)
}

pub fn save_to(path: &Path, credentials: &Credentials) -> CliResult<()> {
    let failed = |error: std::io::Error| {
        CliError::Other(format!(
            "Cannot save the credentials in {}: {error}",
            path.display()
        ))
    };
    if let Some(dir) = path.parent() {
        create_private_dir(dir).map_err(failed)?;
    }
    let text = serde_json::to_string_pretty(credentials)
        .map_err(|error| CliError::Other(format!("Cannot encode the credentials: {error}")))?;
    let temporary = path.with_extension("json.tmp");
    let _ = fs::remove_file(&temporary);
    let mut file = private_file(&temporary).map_err(failed)?;
    file.write_all(text.as_bytes()).map_err(failed)?;
    file.write_all(b"\n").map_err(failed)?;
    file.sync_all().map_err(failed)?;
    drop(file);
    fs::rename(&temporary, path).map_err(failed)
}

/// Deletes the saved credentials; `false` when there were none.
pub fn delete() -> CliResult<bool> {
    let path = path()?;
    match fs::remove_file(&path) {
        Ok(()) => Ok(true),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(error) => Err(CliError::Other(format!(
            "Cannot delete {}: {error}",
            path.display()
        ))),
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dir)
}

#[cfg(unix)]
fn private_file(path: &Path) -> std::io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn private_file(path: &Path) -> std::io::Result<fs::File> {
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Credentials {
        Credentials {
            server: "http://127.0.0.1:8080".into(),
            token: "secret-token".into(),
            username: "alice".into(),
            expires_at: DateTime::parse_from_rfc3339("2030-01-01T00:00:00Z")
                .unwrap()
                .with_timezone(&Utc),
        }
    }

    #[test]
    fn saved_credentials_read_back_and_stay_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested").join(FILE_NAME);
        save_to(&path, &sample()).unwrap();
        assert_eq!(load_from(&path).unwrap(), Some(sample()));
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"expires_at\""), "{text}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // Saving again replaces the file.
        let mut other = sample();
        other.username = "bob".into();
        save_to(&path, &other).unwrap();
        assert_eq!(load_from(&path).unwrap().unwrap().username, "bob");
    }

    #[test]
    fn no_file_is_no_credentials_and_debug_hides_the_token() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load_from(&dir.path().join(FILE_NAME)).unwrap(), None);
        let shown = format!("{:?}", sample());
        assert!(!shown.contains("secret-token"), "{shown}");
    }
}
