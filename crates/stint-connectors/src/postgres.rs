//! The PostgreSQL target: a group role whose members are login roles, named from a template
//! (`{userPrincipalName}` by default). Stint grants the group role to a login when its
//! membership starts and revokes it when it ends — just-in-time database access.
//!
//! Identifiers are always quoted (`"…"`, with `"` doubled), so a role name is never read as SQL;
//! names are compared exactly, as PostgreSQL does for quoted identifiers. Members are read from
//! `pg_auth_members`. A login role that does not exist is unresolved (Stint does not create
//! roles). The connector's own role needs `CREATEROLE` or `ADMIN OPTION` on the group role.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use uuid::Uuid;

use crate::batch::{apply_in_pieces, PieceError};
use crate::cache::{ResolutionCache, DEFAULT_TTL};
use crate::{Applied, Link, Member, Secret, Target, TargetError, TargetValue};

/// A PostgreSQL server's roles.
#[derive(Debug, Clone)]
pub struct PostgresConfig {
    /// `postgres://user[:password]@host[:port]/database`; secret, since it may hold a password.
    pub url: Secret,
    /// The login role of a member, with `{userPrincipalName}`, `{mail}` or `{id}`.
    pub login_role: String,
    /// How long getting a connection, and each statement, may take.
    pub timeout: Duration,
    /// Roles per `GRANT`/`REVOKE` statement at most.
    pub batch_size: usize,
}

impl PostgresConfig {
    /// A configuration with the defaults: `{userPrincipalName}`, 10 s, 200 roles per statement.
    pub fn new(url: impl Into<Secret>) -> PostgresConfig {
        PostgresConfig {
            url: url.into(),
            login_role: "{userPrincipalName}".into(),
            timeout: Duration::from_secs(10),
            batch_size: 200,
        }
    }
}

/// A PostgreSQL server as a [`Target`].
pub struct PostgresTarget {
    config: PostgresConfig,
    pool: PgPool,
    cache: ResolutionCache,
}

/// By hand: the pool's connect options hold the URL's password.
impl fmt::Debug for PostgresTarget {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("PostgresTarget")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl PostgresTarget {
    /// A target for `config`, checked; connects on first use. Call it inside a Tokio runtime.
    pub fn new(config: PostgresConfig) -> Result<PostgresTarget, TargetError> {
        let url = config.url.expose();
        let options = ["postgres://", "postgresql://"]
            .iter()
            .any(|scheme| url.starts_with(scheme))
            .then(|| PgConnectOptions::from_str(url).ok())
            .flatten()
            .ok_or_else(|| {
                TargetError::permanent(
                    "url: must be postgres://user[:password]@host[:port]/database",
                )
            })?;
        if !["{userPrincipalName}", "{mail}", "{id}"]
            .iter()
            .any(|placeholder| config.login_role.contains(placeholder))
        {
            return Err(TargetError::permanent(
                "loginRole: must contain {userPrincipalName}, {mail} or {id}",
            ));
        }
        // A GRANT waiting on a lock gives up with the rest of the operation.
        let limit = format!("{}ms", config.timeout.as_millis());
        let options = options.options([("statement_timeout", &limit), ("lock_timeout", &limit)]);
        let pool = PgPoolOptions::new()
            .max_connections(2)
            .min_connections(0)
            .acquire_timeout(config.timeout)
            .connect_lazy_with(options);
        Ok(PostgresTarget {
            config,
            pool,
            cache: ResolutionCache::new(DEFAULT_TTL),
        })
    }

    fn login_name(&self, member: &Member) -> Result<String, TargetError> {
        let mut name = self
            .config
            .login_role
            .replace("{userPrincipalName}", &member.user_principal_name)
            .replace("{id}", &member.id.to_string());
        if name.contains("{mail}") {
            let mail = member.mail.as_deref().ok_or_else(|| {
                TargetError::permanent("the user has no mail for {mail} in loginRole")
            })?;
            name = name.replace("{mail}", mail);
        }
        Ok(name)
    }

    async fn group_exists(&self, link: &Link) -> Result<(), TargetError> {
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)")
                .bind(&link.target)
                .fetch_one(&self.pool)
                .await
                .map_err(|error| classify("reading roles", &error))?;
        match exists {
            true => Ok(()),
            false => Err(TargetError::permanent(format!(
                "no such group role: {}",
                link.target
            ))),
        }
    }

    async fn change(
        &self,
        link: &Link,
        granting: bool,
        values: Vec<TargetValue>,
    ) -> Result<(), PieceError> {
        let group = quote_identifier(&link.target).map_err(PieceError::Whole)?;
        let logins = values
            .iter()
            .map(|value| quote_identifier(value.as_str()))
            .collect::<Result<Vec<_>, _>>()?
            .join(", ");
        let statement = match granting {
            true => format!("GRANT {group} TO {logins}"),
            false => format!("REVOKE {group} FROM {logins}"),
        };
        let doing = if granting { "granting" } else { "revoking" };
        match sqlx::raw_sql(&statement).execute(&self.pool).await {
            Ok(_) => Ok(()),
            Err(error) => {
                let whole = is_whole_link(&error);
                let error = classify(doing, &error);
                match error.is_transient() || whole {
                    true => Err(PieceError::Whole(error)),
                    false => Err(PieceError::Values(error)),
                }
            }
        }
    }

    async fn apply(
        &self,
        link: &Link,
        granting: bool,
        values: &[TargetValue],
    ) -> Result<Applied, TargetError> {
        self.group_exists(link).await?;
        apply_in_pieces(values, self.config.batch_size, &self.cache, |piece| {
            self.change(link, granting, piece)
        })
        .await
    }
}

impl Target for PostgresTarget {
    async fn resolve(
        &self,
        _link: &Link,
        member: &Member,
    ) -> Result<Option<TargetValue>, TargetError> {
        if let Some(value) = self.cache.get("role", member) {
            return Ok(Some(value));
        }
        let name = self.login_name(member)?;
        let found: Option<String> =
            sqlx::query_scalar("SELECT rolname::text FROM pg_roles WHERE rolname = $1")
                .bind(&name)
                .fetch_optional(&self.pool)
                .await
                .map_err(|error| classify("reading roles", &error))?;
        let value = found.map(TargetValue::new);
        if let Some(value) = &value {
            self.cache.put("role", member, value);
        }
        Ok(value)
    }

    async fn read_members(&self, link: &Link) -> Result<BTreeSet<TargetValue>, TargetError> {
        self.group_exists(link).await?;
        let members: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT m.rolname::text FROM pg_auth_members a \
             JOIN pg_roles g ON g.oid = a.roleid JOIN pg_roles m ON m.oid = a.member \
             WHERE g.rolname = $1",
        )
        .bind(&link.target)
        .fetch_all(&self.pool)
        .await
        .map_err(|error| classify("reading members", &error))?;
        Ok(members.into_iter().map(TargetValue::new).collect())
    }

    async fn add(&self, link: &Link, values: &[TargetValue]) -> Result<Applied, TargetError> {
        self.apply(link, true, values).await
    }

    async fn remove(&self, link: &Link, values: &[TargetValue]) -> Result<Applied, TargetError> {
        self.apply(link, false, values).await
    }

    async fn health(&self) -> Result<(), TargetError> {
        sqlx::query_scalar::<_, i32>("SELECT 1")
            .fetch_one(&self.pool)
            .await
            .map(|_| ())
            .map_err(|error| classify("connecting", &error))
    }

    fn forget(&self, member: Uuid) {
        self.cache.forget(member);
    }
}

/// `name` as a quoted SQL identifier: in double quotes, with each `"` doubled.
pub(crate) fn quote_identifier(name: &str) -> Result<String, TargetError> {
    if name.is_empty() || name.contains('\0') {
        return Err(TargetError::permanent(
            "a role name must not be empty nor contain NUL",
        ));
    }
    Ok(format!("\"{}\"", name.replace('"', "\"\"")))
}

/// The SQLSTATE of a database error, if it is one.
fn sqlstate(error: &sqlx::Error) -> Option<String> {
    match error {
        sqlx::Error::Database(database) => database.code().map(|code| code.into_owned()),
        _ => None,
    }
}

/// Errors about the connection's rights rather than the roles named.
fn is_whole_link(error: &sqlx::Error) -> bool {
    sqlstate(error).is_some_and(|code| code == "42501" || code.starts_with("28"))
}

/// Sorts an sqlx error. Database messages name roles, never the URL or its password; other
/// errors are described in our own words.
fn classify(doing: &str, error: &sqlx::Error) -> TargetError {
    match error {
        sqlx::Error::Database(database) => {
            let code = database
                .code()
                .map(|code| code.into_owned())
                .unwrap_or_default();
            let message = format!("{doing}: {} (SQLSTATE {code})", database.message());
            let transient = ["08", "53", "57P", "57014", "55P03", "40001", "40P01"]
                .iter()
                .any(|prefix| code.starts_with(prefix));
            match transient {
                true => TargetError::transient(message),
                false => TargetError::permanent(message),
            }
        }
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => {
            TargetError::transient(format!("{doing}: the server cannot be reached"))
        }
        sqlx::Error::Tls(_) => TargetError::permanent(format!("{doing}: TLS failed")),
        sqlx::Error::Configuration(_) => {
            TargetError::permanent(format!("{doing}: the url is not usable"))
        }
        _ => TargetError::permanent(format!("{doing}: the server's answer is not understood")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quote_in_a_role_name_is_doubled_inside_quotes() {
        assert_eq!(
            quote_identifier(r#"o"brien"; DROP ROLE x; --"#).unwrap(),
            r#""o""brien""; DROP ROLE x; --""#
        );
        assert!(quote_identifier("a\0b").is_err());
    }

    #[tokio::test]
    async fn the_configuration_never_shows_the_password() {
        let config = PostgresConfig::new("postgres://stint:s3cr3t-pw@db.example.com/app");
        let target = PostgresTarget::new(config).unwrap();
        assert!(!format!("{target:?}").contains("s3cr3t-pw"));
        for url in ["mysql://u:s3cr3t-pw@h/d", "postgres://u:s3cr3t-pw@h:port/d"] {
            let error = PostgresTarget::new(PostgresConfig::new(url)).unwrap_err();
            assert!(error.message().starts_with("url:"), "{error}");
            assert!(!error.to_string().contains("s3cr3t-pw"), "{error}");
        }
    }
}
