//! What an LDAP connector is configured with.

use std::path::PathBuf;
use std::time::Duration;

use crate::Secret;

/// An LDAP directory and how to find users in it.
#[derive(Debug, Clone)]
pub struct LdapConfig {
    /// `ldap://host[:port]` or `ldaps://host[:port]`.
    pub url: String,
    /// The DN the connector binds as; it needs to read users and groups and to modify the linked
    /// groups' member attributes.
    pub bind_dn: String,
    /// The bind DN's password.
    pub bind_password: Secret,
    /// Upgrade an `ldap://` connection with StartTLS before binding.
    pub start_tls: bool,
    /// A PEM file of CA certificates trusted, besides the system's, for `ldaps://` and StartTLS.
    pub ca_certificate: Option<PathBuf>,
    /// Where users are searched (subtree).
    pub base_dn: String,
    /// The search filter finding a member's entry, with `{userPrincipalName}`, `{mail}` or `{id}`,
    /// e.g. `(uid={userPrincipalName})`.
    pub user_filter: String,
    /// The attribute whose value goes into `memberUid` (posixGroup links): `uid` by default.
    pub uid_attribute: String,
    /// A DN kept in every group linked with `member` or `uniqueMember`, so that removing the
    /// last real member does not violate `groupOfNames` (or `groupOfUniqueNames`), which
    /// requires one value. It is added
    /// before removals when missing and is never reported as a member or as drift. Without it,
    /// removing the last member of a `groupOfNames` fails (and is reported) with a message
    /// saying to configure it.
    pub placeholder_member: Option<String>,
    /// How long connecting, and each operation, may take.
    pub timeout: Duration,
    /// Values per modify operation at most.
    pub batch_size: usize,
}

impl LdapConfig {
    /// A configuration with the defaults: no StartTLS, the system's roots, `uid`, no placeholder, 10 s, 500 values.
    pub fn new(
        url: impl Into<String>,
        bind_dn: impl Into<String>,
        bind_password: impl Into<Secret>,
        base_dn: impl Into<String>,
        user_filter: impl Into<String>,
    ) -> LdapConfig {
        LdapConfig {
            url: url.into(),
            bind_dn: bind_dn.into(),
            bind_password: bind_password.into(),
            start_tls: false,
            ca_certificate: None,
            base_dn: base_dn.into(),
            user_filter: user_filter.into(),
            uid_attribute: "uid".into(),
            placeholder_member: None,
            timeout: Duration::from_secs(10),
            batch_size: 500,
        }
    }
}
