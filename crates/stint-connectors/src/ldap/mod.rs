//! The LDAP target: a group entry whose `member`, `uniqueMember` or `memberUid` values Stint
//! keeps, with users found by a configured filter. Works against OpenLDAP; Active Directory's
//! differences are in `docs/connectors-ldap.md`.
//!
//! One bound connection is kept and reused; a transient failure drops it and the next call
//! connects again. DNs are compared normalised ([`dn::normalize`]): the values this target
//! produces, reads and writes are lower-cased DNs, which directories match case-insensitively.

mod config;
mod dn;
mod filter;
mod tls;

use std::collections::{BTreeSet, HashSet};
use std::io;
use std::sync::Arc;

use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, LdapError, Mod, Scope, SearchEntry};
use tokio::sync::Mutex;
use uuid::Uuid;

pub use config::LdapConfig;

use crate::batch::{apply_in_pieces, PieceError};
use crate::cache::{ResolutionCache, DEFAULT_TTL};
use crate::{Applied, Link, Member, Target, TargetError, TargetValue};

/// Result codes (RFC 4511) this target treats specially.
mod rc {
    pub const SUCCESS: u32 = 0;
    pub const TIME_LIMIT_EXCEEDED: u32 = 3;
    pub const ADMIN_LIMIT_EXCEEDED: u32 = 11;
    pub const NO_SUCH_ATTRIBUTE: u32 = 16;
    pub const ATTRIBUTE_OR_VALUE_EXISTS: u32 = 20;
    pub const NO_SUCH_OBJECT: u32 = 32;
    pub const INVALID_CREDENTIALS: u32 = 49;
    pub const INSUFFICIENT_ACCESS_RIGHTS: u32 = 50;
    pub const BUSY: u32 = 51;
    pub const UNAVAILABLE: u32 = 52;
    pub const OBJECT_CLASS_VIOLATION: u32 = 65;
}

/// An LDAP directory as a [`Target`].
#[derive(Debug)]
pub struct LdapTarget {
    config: LdapConfig,
    placeholder: Option<TargetValue>,
    tls: Arc<rustls::ClientConfig>,
    connection: Mutex<Option<Ldap>>,
    cache: ResolutionCache,
}

impl LdapTarget {
    /// A target for `config`, checked; connects on first use.
    pub fn new(config: LdapConfig) -> Result<LdapTarget, TargetError> {
        if !(config.url.starts_with("ldap://") || config.url.starts_with("ldaps://")) {
            return Err(TargetError::permanent(
                "url: must start with ldap:// or ldaps://",
            ));
        }
        if config.start_tls && config.url.starts_with("ldaps://") {
            return Err(TargetError::permanent(
                "startTls: not with ldaps://, which is TLS already",
            ));
        }
        if config.base_dn.trim().is_empty() {
            return Err(TargetError::permanent("baseDn: must not be empty"));
        }
        if config.uid_attribute.trim().is_empty() {
            return Err(TargetError::permanent("uidAttribute: must not be empty"));
        }
        filter::validate(&config.user_filter)?;
        let placeholder = config
            .placeholder_member
            .as_deref()
            .map(|placeholder| TargetValue::new(dn::normalize(placeholder)));
        let tls = tls::client_config(config.ca_certificate.as_deref())?;
        Ok(LdapTarget {
            config,
            placeholder,
            tls,
            connection: Mutex::new(None),
            cache: ResolutionCache::new(DEFAULT_TTL),
        })
    }

    /// The bound connection, opened (and bound) if there is none or it closed.
    async fn connect(&self) -> Result<Ldap, TargetError> {
        let mut connection = self.connection.lock().await;
        if let Some(ldap) = connection.as_mut() {
            if !ldap.is_closed() {
                return Ok(ldap.clone());
            }
        }
        *connection = None;
        let settings = LdapConnSettings::new()
            .set_conn_timeout(self.config.timeout)
            .set_starttls(self.config.start_tls)
            .set_config(self.tls.clone());
        let (driver, mut ldap) = LdapConnAsync::with_settings(settings, &self.config.url)
            .await
            .map_err(|error| classify("connecting", error))?;
        tokio::spawn(async move {
            let _ = driver.drive().await;
        });
        let bound = ldap
            .with_timeout(self.config.timeout)
            .simple_bind(&self.config.bind_dn, self.config.bind_password.expose())
            .await
            .and_then(|result| result.success());
        match bound {
            Ok(_) => {}
            Err(LdapError::LdapResult { result }) if result.rc == rc::INVALID_CREDENTIALS => {
                return Err(TargetError::permanent(
                    "binding: invalid credentials (check bindDn and bindPassword)",
                ))
            }
            Err(error) => return Err(classify("binding", error)),
        }
        *connection = Some(ldap.clone());
        Ok(ldap)
    }

    /// Drops the connection after a transient failure, so that the next call reconnects.
    async fn forget_connection_if(&self, error: &TargetError) {
        if error.is_transient() {
            *self.connection.lock().await = None;
        }
    }

    /// A search, through the kept connection; `missing` says what it means when `base` does
    /// not exist.
    async fn search(
        &self,
        base: &str,
        scope: Scope,
        filter: &str,
        attributes: Vec<&str>,
        missing: impl FnOnce() -> TargetError,
    ) -> Result<Vec<SearchEntry>, TargetError> {
        let mut ldap = self.connect().await?;
        let searched = ldap
            .with_timeout(self.config.timeout)
            .search(base, scope, filter, attributes)
            .await
            .and_then(|result| result.success());
        match searched {
            Ok((entries, _)) => Ok(entries.into_iter().map(SearchEntry::construct).collect()),
            Err(LdapError::LdapResult { result }) if result.rc == rc::NO_SUCH_OBJECT => {
                Err(missing())
            }
            Err(error) => {
                let error = classify("searching", error);
                self.forget_connection_if(&error).await;
                Err(error)
            }
        }
    }

    /// One modify of the group's member attribute with `values`.
    async fn modify(
        &self,
        link: &Link,
        adding: bool,
        values: Vec<TargetValue>,
    ) -> Result<(), PieceError> {
        let attribute = link.member_attribute.ldap_name();
        let single = values.len() == 1;
        let set: HashSet<String> = values.into_iter().map(TargetValue::into_string).collect();
        let change = if adding {
            Mod::Add(attribute.to_string(), set)
        } else {
            Mod::Delete(attribute.to_string(), set)
        };
        let mut ldap = self.connect().await.map_err(PieceError::Whole)?;
        let modified = ldap
            .with_timeout(self.config.timeout)
            .modify(&link.target, vec![change])
            .await;
        let result = match modified {
            Ok(result) => result,
            Err(error) => {
                let error = classify("modifying the group", error);
                self.forget_connection_if(&error).await;
                return Err(PieceError::Whole(error));
            }
        };
        match result.rc {
            rc::SUCCESS => Ok(()),
            rc::ATTRIBUTE_OR_VALUE_EXISTS if adding && single => Ok(()),
            rc::NO_SUCH_ATTRIBUTE if !adding && single => Ok(()),
            rc::NO_SUCH_OBJECT => Err(PieceError::Whole(no_such_group(link))),
            rc::OBJECT_CLASS_VIOLATION if !adding => Err(PieceError::Values(TargetError::permanent(
                format!("the group must keep a {attribute} (groupOfNames and groupOfUniqueNames require one): configure placeholderMember ({})", result.text),
            ))),
            code => {
                let error = by_code("modifying the group", code, &result.text);
                match error.is_transient() || is_whole_link(code) {
                    true => Err(PieceError::Whole(error)),
                    false => Err(PieceError::Values(error)),
                }
            }
        }
    }

    /// Makes sure the placeholder is in a `groupOfNames` (or `groupOfUniqueNames`) before
    /// members leave it.
    async fn keep_placeholder(&self, link: &Link) -> Result<(), TargetError> {
        let Some(placeholder) = &self.placeholder else {
            return Ok(());
        };
        if !link.member_attribute.holds_dns() {
            return Ok(());
        }
        match self.modify(link, true, vec![placeholder.clone()]).await {
            Ok(()) => Ok(()),
            Err(PieceError::Whole(error) | PieceError::Values(error)) => Err(error),
        }
    }

    async fn apply(
        &self,
        link: &Link,
        adding: bool,
        values: &[TargetValue],
    ) -> Result<Applied, TargetError> {
        apply_in_pieces(values, self.config.batch_size, &self.cache, |piece| {
            self.modify(link, adding, piece)
        })
        .await
    }
}

impl Target for LdapTarget {
    async fn resolve(
        &self,
        link: &Link,
        member: &Member,
    ) -> Result<Option<TargetValue>, TargetError> {
        let holds_dns = link.member_attribute.holds_dns();
        let scope = if holds_dns { "dn" } else { "uid" };
        if let Some(value) = self.cache.get(scope, member) {
            return Ok(Some(value));
        }
        let filter = filter::expand(&self.config.user_filter, member)?;
        let attributes = if holds_dns {
            vec!["1.1"]
        } else {
            vec![self.config.uid_attribute.as_str()]
        };
        let base = &self.config.base_dn;
        let entries = self
            .search(base, Scope::Subtree, &filter, attributes, no_base_dn)
            .await?;
        let entry = match entries.as_slice() {
            [] => return Ok(None),
            [entry] => entry,
            more => {
                return Err(TargetError::permanent(format!(
                    "userFilter matched {} entries for one user; it must match one",
                    more.len()
                )))
            }
        };
        let value = if holds_dns {
            TargetValue::new(dn::normalize(&entry.dn))
        } else {
            let uid = attribute_values(entry, &self.config.uid_attribute)
                .first()
                .cloned()
                .ok_or_else(|| {
                    TargetError::permanent(format!(
                        "the user's entry has no {}",
                        self.config.uid_attribute
                    ))
                })?;
            TargetValue::new(uid)
        };
        self.cache.put(scope, member, &value);
        Ok(Some(value))
    }

    async fn read_members(&self, link: &Link) -> Result<BTreeSet<TargetValue>, TargetError> {
        let attribute = link.member_attribute.ldap_name();
        let everything = "(objectClass=*)";
        let entries = self
            .search(
                &link.target,
                Scope::Base,
                everything,
                vec![attribute],
                || no_such_group(link),
            )
            .await?;
        let [entry] = entries.as_slice() else {
            return Err(no_such_group(link));
        };
        let holds_dns = link.member_attribute.holds_dns();
        Ok(attribute_values(entry, attribute)
            .into_iter()
            .map(|value| match holds_dns {
                true => TargetValue::new(dn::normalize(&value)),
                false => TargetValue::new(value),
            })
            .filter(|value| !(holds_dns && Some(value) == self.placeholder.as_ref()))
            .collect())
    }

    async fn add(&self, link: &Link, values: &[TargetValue]) -> Result<Applied, TargetError> {
        self.apply(link, true, values).await
    }

    async fn remove(&self, link: &Link, values: &[TargetValue]) -> Result<Applied, TargetError> {
        self.keep_placeholder(link).await?;
        self.apply(link, false, values).await
    }

    async fn health(&self) -> Result<(), TargetError> {
        let base = &self.config.base_dn;
        self.search(
            base,
            Scope::Base,
            "(objectClass=*)",
            vec!["1.1"],
            no_base_dn,
        )
        .await
        .map(|_| ())
    }

    fn forget(&self, member: Uuid) {
        self.cache.forget(member);
    }
}

/// The values of `attribute` in `entry`, whatever the case the server spelt its name in.
fn attribute_values(entry: &SearchEntry, attribute: &str) -> Vec<String> {
    entry
        .attrs
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(attribute))
        .map(|(_, values)| values.clone())
        .unwrap_or_default()
}

fn no_base_dn() -> TargetError {
    TargetError::permanent("baseDn: no such entry in the directory")
}

fn no_such_group(link: &Link) -> TargetError {
    TargetError::permanent(format!("no such group entry: {}", link.target))
}

/// Codes that are about the whole group or connection rather than the values.
fn is_whole_link(code: u32) -> bool {
    matches!(
        code,
        rc::INVALID_CREDENTIALS | rc::INSUFFICIENT_ACCESS_RIGHTS | rc::NO_SUCH_OBJECT
    )
}

fn by_code(doing: &str, code: u32, text: &str) -> TargetError {
    let message = format!("{doing}: LDAP result {code}: {text}");
    match code {
        rc::TIME_LIMIT_EXCEEDED | rc::ADMIN_LIMIT_EXCEEDED | rc::BUSY | rc::UNAVAILABLE => {
            TargetError::transient(message)
        }
        _ => TargetError::permanent(message),
    }
}

/// Sorts an `ldap3` error; its texts carry no password (the bind password is never in a URL).
fn classify(doing: &str, error: LdapError) -> TargetError {
    match error {
        LdapError::LdapResult { result } => by_code(doing, result.rc, &result.text),
        // rustls reports a refused certificate or a failed handshake as invalid data.
        LdapError::Io { source } if source.kind() == io::ErrorKind::InvalidData => {
            TargetError::permanent(format!("{doing}: TLS failed: {source}"))
        }
        LdapError::Io { .. }
        | LdapError::Timeout { .. }
        | LdapError::EndOfStream
        | LdapError::OpSend { .. }
        | LdapError::ResultRecv { .. }
        | LdapError::IdScrubSend { .. }
        | LdapError::MiscSend { .. } => TargetError::transient(format!("{doing}: {error}")),
        other => TargetError::permanent(format!("{doing}: {other}")),
    }
}
