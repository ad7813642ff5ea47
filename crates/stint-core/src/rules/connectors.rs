//! C1, C2: connectors and their links, made, changed and deleted by Global and Privileged Role
//! Administrators ([`ConnectorManager`]).
//!
//! A connector's credentials are write-only: they are checked for presence, never echoed, and the
//! audit names the connector, its kind and its host only.
//!
//! [`ConnectorManager`]: crate::authz::authority::ConnectorManager

use crate::change::{Change, Decision};
use crate::connector::{
    Connector, ConnectorId, ConnectorKind, ConnectorSecret, DriftMode, Endpoint, Link, LinkId,
    MemberAttribute,
};
use crate::duration::IsoDuration;
use crate::ids::GroupId;
use crate::names::check_name;
use crate::rules::webhooks::{host_of, known};
use crate::rules::{AuditRecordExt, Context};
use crate::schedule::Access;
use crate::spec::Rule;
use crate::state::State;
use crate::violation::Violation;

/// How often a connector reconciles when not told: five minutes.
pub const DEFAULT_RECONCILE_SECONDS: u32 = 300;
/// The bounds of the reconcile interval: from a minute to a day.
const RECONCILE_SECONDS: std::ops::RangeInclusive<u32> = 60..=86_400;
/// The longest URL, DN, filter, target or role template, in characters.
const MAX_TEXT: usize = 2000;
/// A PostgreSQL connector's login role when not told: the user's principal name.
pub const DEFAULT_LOGIN_ROLE: &str = "{userPrincipalName}";
/// The placeholders a user filter or login role template may hold.
pub const PLACEHOLDERS: [&str; 3] = ["{userPrincipalName}", "{mail}", "{id}"];

/// A connector as asked for, or the fields a PATCH changes (`None` keeps the current value).
/// Field names in refusals are the API's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConnectorFields {
    pub display_name: Option<String>,
    /// `type`: `ldap`, `scim` or `postgres`; fixed once the connector exists.
    pub kind: Option<String>,
    pub url: Option<String>,
    pub bind_dn: Option<String>,
    pub bind_password: Option<ConnectorSecret>,
    pub base_dn: Option<String>,
    pub user_filter: Option<String>,
    pub start_tls: Option<bool>,
    /// LDAP: the DN kept in every `member`/`uniqueMember` group; empty for the default.
    pub placeholder_dn: Option<String>,
    pub token: Option<ConnectorSecret>,
    pub login_role: Option<String>,
    pub drift_mode: Option<String>,
    /// An ISO 8601 duration such as `PT5M`.
    pub reconcile_interval: Option<String>,
}

/// A link as asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewLink {
    pub group: GroupId,
    /// `members` (the default) or `owners`.
    pub access: Option<Access>,
    pub target: String,
    pub member_attribute: Option<String>,
}

pub fn create(
    state: &State,
    ctx: &Context,
    fields: ConnectorFields,
) -> Result<(Decision, Connector), Violation> {
    ctx.authority(state).connector_manager()?;
    let display_name = required("displayName", fields.display_name.as_deref())?;
    check_name("displayName", &display_name)?;
    let kind = parse_kind(fields.kind.as_deref())?;
    let endpoint = endpoint(kind, &fields, None)?;
    let connector = Connector {
        id: ConnectorId(ctx.fresh_id()),
        display_name,
        endpoint,
        drift: drift_mode(fields.drift_mode.as_deref(), DriftMode::Enforce)?,
        reconcile_seconds: reconcile_seconds(
            fields.reconcile_interval.as_deref(),
            DEFAULT_RECONCILE_SECONDS,
        )?,
        links: Vec::new(),
        created_at: ctx.now,
        created_by: ctx.caller.user,
        deleted_at: None,
        reconciles_asked: 0,
    };
    let event = ctx
        .event("connector.create", "connector", connector.id)
        .saying(format!(
            "Created the {} connector {} to {}.",
            kind,
            connector.display_name,
            target_host(&connector.endpoint)
        ));
    Ok((
        Decision::of(Change::Connector(connector.clone()), event),
        connector,
    ))
}

/// Changes a live connector; its kind stays, and a credential left out stays as it was.
pub fn update(
    state: &State,
    ctx: &Context,
    id: ConnectorId,
    fields: ConnectorFields,
) -> Result<(Decision, Connector), Violation> {
    ctx.authority(state).connector_manager()?;
    let mut connector = live_connector(state, id)?.clone();
    let kind = connector.endpoint.kind();
    if let Some(asked) = &fields.kind {
        if parse_kind(Some(asked))? != kind {
            return Err(Violation::bad_request(
                "type",
                format!("A connector's type is fixed: this one is {kind}. Create a new connector for another type."),
            )
            .rule(Rule::C1));
        }
    }
    if let Some(name) = &fields.display_name {
        connector.display_name = required("displayName", Some(name))?;
        check_name("displayName", name)?;
    }
    connector.endpoint = endpoint(kind, &fields, Some(&connector.endpoint))?;
    connector.drift = drift_mode(fields.drift_mode.as_deref(), connector.drift)?;
    connector.reconcile_seconds = reconcile_seconds(
        fields.reconcile_interval.as_deref(),
        connector.reconcile_seconds,
    )?;
    let credentials = fields.bind_password.is_some() || fields.token.is_some();
    let event = ctx
        .event("connector.update", "connector", connector.id)
        .saying(format!(
            "Changed the {kind} connector {} to {}{}.",
            connector.display_name,
            target_host(&connector.endpoint),
            if credentials {
                ", with new credentials"
            } else {
                ""
            }
        ));
    Ok((
        Decision::of(Change::Connector(connector.clone()), event),
        connector,
    ))
}

/// Ends a connector: it pushes nothing more, and the target keeps the members it has.
pub fn delete(state: &State, ctx: &Context, id: ConnectorId) -> Result<Decision, Violation> {
    ctx.authority(state).connector_manager()?;
    let mut connector = live_connector(state, id)?.clone();
    connector.deleted_at = Some(ctx.now);
    let event = ctx
        .event("connector.delete", "connector", connector.id)
        .saying(format!(
            "Deleted the connector {}; its targets keep the members they have.",
            connector.display_name
        ));
    Ok(Decision::of(Change::Connector(connector), event))
}

/// C3: asks the node driving the connector to read and compare every link now. The count in
/// the state reaches that node through the change feed, whichever node was asked.
pub fn ask_reconcile(state: &State, ctx: &Context, id: ConnectorId) -> Result<Decision, Violation> {
    ctx.authority(state).connector_manager()?;
    let mut connector = live_connector(state, id)?.clone();
    connector.reconciles_asked += 1;
    let event = ctx
        .event("connector.reconcile", "connector", connector.id)
        .saying(format!(
            "Asked the connector {} to reconcile its links now.",
            connector.display_name
        ));
    Ok(Decision::of(Change::Connector(connector), event))
}

/// C2: links a live group's effective members (or owners) to a target group of the connector.
pub fn add_link(
    state: &State,
    ctx: &Context,
    id: ConnectorId,
    input: NewLink,
) -> Result<(Decision, Link), Violation> {
    ctx.authority(state).connector_manager()?;
    let mut connector = live_connector(state, id)?.clone();
    let group = state
        .groups
        .get(&input.group)
        .filter(|group| !group.is_deleted())
        .ok_or_else(|| Violation::not_found(format!("Group '{}'", input.group)).field("groupId"))?;
    let target = required("target", Some(&input.target))?;
    check_text("target", &target)?;
    let member_attribute = match (connector.endpoint.kind(), &input.member_attribute) {
        (ConnectorKind::Ldap, None) => Some(MemberAttribute::Member),
        (ConnectorKind::Ldap, Some(name)) => Some(name.trim().parse().map_err(|()| {
            Violation::bad_request(
                "memberAttribute",
                format!(
                    "'{}' is not one of {}.",
                    clip(name),
                    known(&MemberAttribute::ALL)
                ),
            )
            .rule(Rule::C2)
        })?),
        (_, None) => None,
        (kind, Some(_)) => {
            return Err(Violation::bad_request(
                "memberAttribute",
                format!("memberAttribute applies to LDAP connectors only; this one is {kind}."),
            )
            .rule(Rule::C2))
        }
    };
    let access = input.access.unwrap_or(Access::Member);
    if connector
        .links
        .iter()
        .any(|link| link.group == group.id && link.access == access && link.target == target)
    {
        return Err(Violation::bad_request(
            "target",
            format!(
                "The {access}s of {} are already linked to {target} on this connector.",
                group.display_name
            ),
        )
        .rule(Rule::C2));
    }
    let link = Link {
        id: LinkId(ctx.fresh_id()),
        group: group.id,
        access,
        target,
        member_attribute,
        created_at: ctx.now,
    };
    connector.links.push(link.clone());
    let event = ctx
        .event("connector.link.create", "connector", connector.id)
        .about(Some(group.id), None)
        .saying(format!(
            "Linked the {access}s of {} to {} on the connector {}.",
            group.display_name, link.target, connector.display_name
        ));
    Ok((Decision::of(Change::Connector(connector), event), link))
}

/// Unlinks a target group: Stint stops writing to it, and it keeps the members it has.
pub fn remove_link(
    state: &State,
    ctx: &Context,
    id: ConnectorId,
    link: LinkId,
) -> Result<Decision, Violation> {
    ctx.authority(state).connector_manager()?;
    let mut connector = live_connector(state, id)?.clone();
    let position = connector
        .links
        .iter()
        .position(|candidate| candidate.id == link)
        .ok_or_else(|| Violation::not_found(format!("Link '{link}'")))?;
    let removed = connector.links.remove(position);
    let event = ctx
        .event("connector.link.delete", "connector", connector.id)
        .about(Some(removed.group), None)
        .saying(format!(
            "Unlinked {} from the connector {}; it keeps the members it has.",
            removed.target, connector.display_name
        ));
    Ok(Decision::of(Change::Connector(connector), event))
}

/// A connector that is not deleted.
pub fn live_connector(state: &State, id: ConnectorId) -> Result<&Connector, Violation> {
    state
        .connectors
        .get(&id)
        .filter(|connector| connector.is_live())
        .ok_or_else(|| Violation::not_found(format!("Connector '{id}'")))
}

/// The host a connector writes to, for the audit: never a credential.
pub fn target_host(endpoint: &Endpoint) -> String {
    match endpoint {
        Endpoint::Ldap { url, .. } | Endpoint::Scim { url, .. } => host_of(url),
        Endpoint::Postgres { url, .. } => host_of(url.expose()),
    }
}

/// A PostgreSQL URL as it may be shown: without its password.
pub fn shown_url(url: &ConnectorSecret) -> String {
    match url::Url::parse(url.expose()) {
        Ok(mut url) => {
            if url.password().is_some() {
                // Only URLs that cannot have a password refuse this, and this one has one.
                let _ = url.set_password(None);
            }
            url.to_string()
        }
        Err(_) => String::new(),
    }
}

/// The endpoint of a `kind` connector from `fields`, each missing one taken from `current`.
fn endpoint(
    kind: ConnectorKind,
    fields: &ConnectorFields,
    current: Option<&Endpoint>,
) -> Result<Endpoint, Violation> {
    for (field, owner, given) in kind_specific(fields) {
        if given && owner != kind {
            return Err(Violation::bad_request(
                field,
                format!("{field} does not apply to {kind} connectors."),
            )
            .rule(Rule::C1));
        }
    }
    match kind {
        ConnectorKind::Ldap => {
            let (url, bind_dn, bind_password, base_dn, user_filter, start_tls, placeholder_dn) =
                match current {
                    Some(Endpoint::Ldap {
                        url,
                        bind_dn,
                        bind_password,
                        base_dn,
                        user_filter,
                        start_tls,
                        placeholder_dn,
                    }) => (
                        Some(url),
                        Some(bind_dn),
                        Some(bind_password),
                        Some(base_dn),
                        Some(user_filter),
                        *start_tls,
                        placeholder_dn.clone(),
                    ),
                    _ => (None, None, None, None, None, false, None),
                };
            let url = check_url(
                "url",
                pick(&fields.url, url).as_deref(),
                &["ldap", "ldaps"],
                "ldaps://ldap.example.com",
            )?;
            let start_tls = fields.start_tls.unwrap_or(start_tls);
            if start_tls && url.starts_with("ldaps:") {
                return Err(Violation::bad_request(
                    "startTls",
                    "startTls applies to ldap:// URLs; an ldaps:// URL is encrypted from the start.",
                )
                .rule(Rule::C1));
            }
            let user_filter = required(
                "userFilter",
                pick(&fields.user_filter, user_filter).as_deref(),
            )?;
            check_template("userFilter", &user_filter)?;
            if !(user_filter.starts_with('(') && user_filter.ends_with(')')) {
                return Err(Violation::bad_request(
                    "userFilter",
                    "userFilter must be an LDAP filter in parentheses, such as (uid={userPrincipalName}).",
                )
                .rule(Rule::C1));
            }
            Ok(Endpoint::Ldap {
                url,
                bind_dn: checked("bindDn", pick(&fields.bind_dn, bind_dn).as_deref())?,
                bind_password: secret("bindPassword", &fields.bind_password, bind_password)?,
                base_dn: checked("baseDn", pick(&fields.base_dn, base_dn).as_deref())?,
                user_filter,
                start_tls,
                placeholder_dn: match fields.placeholder_dn.as_deref().map(str::trim) {
                    Some("") => None,
                    Some(dn) => Some(checked("placeholderDn", Some(dn))?),
                    None => placeholder_dn,
                },
            })
        }
        ConnectorKind::Scim => {
            let (url, token) = match current {
                Some(Endpoint::Scim { url, token }) => (Some(url), Some(token)),
                _ => (None, None),
            };
            Ok(Endpoint::Scim {
                url: check_url(
                    "url",
                    pick(&fields.url, url).as_deref(),
                    &["http", "https"],
                    "https://app.example.com/scim/v2",
                )?,
                token: secret("token", &fields.token, token)?,
            })
        }
        ConnectorKind::Postgres => {
            let (url, login_role) = match current {
                Some(Endpoint::Postgres { url, login_role }) => (Some(url), Some(login_role)),
                _ => (None, None),
            };
            let url = match (&fields.url, url) {
                (Some(text), _) => ConnectorSecret(check_url(
                    "url",
                    Some(text),
                    &["postgres", "postgresql"],
                    "postgres://stint@db.example.com:5432/app",
                )?),
                (None, Some(url)) => url.clone(),
                (None, None) => return Err(missing("url")),
            };
            let login_role = pick(&fields.login_role, login_role)
                .unwrap_or_else(|| DEFAULT_LOGIN_ROLE.to_owned());
            check_template("loginRole", &login_role)?;
            Ok(Endpoint::Postgres { url, login_role })
        }
    }
}

/// The fields only one kind of connector takes: each with that kind and whether it was given.
fn kind_specific(fields: &ConnectorFields) -> [(&'static str, ConnectorKind, bool); 8] {
    use ConnectorKind::{Ldap, Postgres, Scim};
    [
        ("bindDn", Ldap, fields.bind_dn.is_some()),
        ("bindPassword", Ldap, fields.bind_password.is_some()),
        ("baseDn", Ldap, fields.base_dn.is_some()),
        ("userFilter", Ldap, fields.user_filter.is_some()),
        ("startTls", Ldap, fields.start_tls.is_some()),
        ("placeholderDn", Ldap, fields.placeholder_dn.is_some()),
        ("token", Scim, fields.token.is_some()),
        ("loginRole", Postgres, fields.login_role.is_some()),
    ]
}

/// The given value, else the current one.
fn pick(given: &Option<String>, current: Option<&String>) -> Option<String> {
    given.clone().or_else(|| current.cloned())
}

/// The given secret, else the current one; required and non-empty.
fn secret(
    field: &'static str,
    given: &Option<ConnectorSecret>,
    current: Option<&ConnectorSecret>,
) -> Result<ConnectorSecret, Violation> {
    match given.as_ref().or(current) {
        Some(secret) if !secret.expose().is_empty() => Ok(secret.clone()),
        Some(_) => {
            Err(Violation::bad_request(field, format!("{field} must not be empty.")).rule(Rule::C1))
        }
        None => Err(missing(field)),
    }
}

fn missing(field: &'static str) -> Violation {
    Violation::bad_request(field, format!("{field} is required.")).rule(Rule::C1)
}

/// A non-empty, trimmed value.
fn required(field: &'static str, value: Option<&str>) -> Result<String, Violation> {
    match value.map(str::trim) {
        Some(text) if !text.is_empty() => Ok(text.to_owned()),
        _ => Err(missing(field)),
    }
}

/// A required value of at most [`MAX_TEXT`] characters without control characters.
fn checked(field: &'static str, value: Option<&str>) -> Result<String, Violation> {
    let text = required(field, value)?;
    check_text(field, &text)?;
    Ok(text)
}

fn check_text(field: &'static str, text: &str) -> Result<(), Violation> {
    if text.chars().count() > MAX_TEXT {
        return Err(Violation::bad_request(
            field,
            format!("{field} must be at most {MAX_TEXT} characters long."),
        )
        .rule(Rule::C1));
    }
    check_name(field, text)
}

/// A template that names the user by at least one placeholder, and no unknown one.
fn check_template(field: &'static str, template: &str) -> Result<(), Violation> {
    check_text(field, template)?;
    let mut rest = template;
    let mut named = false;
    while let Some(start) = rest.find('{') {
        let Some(end) = rest[start..].find('}') else {
            break;
        };
        let placeholder = &rest[start..start + end + 1];
        if !PLACEHOLDERS.contains(&placeholder) {
            return Err(Violation::bad_request(
                field,
                format!(
                    "{} is not a placeholder; use {}.",
                    clip(placeholder),
                    PLACEHOLDERS.join(", ")
                ),
            )
            .rule(Rule::C1));
        }
        named = true;
        rest = &rest[start + end + 1..];
    }
    if !named {
        return Err(Violation::bad_request(
            field,
            format!(
                "{field} must name the user with one of {}.",
                PLACEHOLDERS.join(", ")
            ),
        )
        .rule(Rule::C1));
    }
    Ok(())
}

/// An absolute URL of one of `schemes`, naming a host. The refusals never repeat the URL, which
/// may carry a password.
fn check_url(
    field: &'static str,
    text: Option<&str>,
    schemes: &[&str],
    example: &str,
) -> Result<String, Violation> {
    let text = required(field, text)?;
    let refuse = |message: String| Violation::bad_request(field, message).rule(Rule::C1);
    if text.chars().count() > MAX_TEXT {
        return Err(refuse(format!(
            "{field} must be at most {MAX_TEXT} characters long."
        )));
    }
    let url = url::Url::parse(&text)
        .map_err(|_| refuse(format!("{field} is not an absolute URL such as {example}.")))?;
    if !schemes.contains(&url.scheme()) {
        return Err(refuse(format!(
            "{field} must be a {} URL such as {example}.",
            schemes.join(" or ")
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(refuse(format!("{field} names no host.")));
    }
    Ok(text)
}

fn parse_kind(kind: Option<&str>) -> Result<ConnectorKind, Violation> {
    let name = required("type", kind)?;
    name.parse().map_err(|()| {
        Violation::bad_request(
            "type",
            format!(
                "'{}' is not one of {}.",
                clip(&name),
                known(&ConnectorKind::ALL)
            ),
        )
        .rule(Rule::C1)
    })
}

fn drift_mode(name: Option<&str>, current: DriftMode) -> Result<DriftMode, Violation> {
    let Some(name) = name else {
        return Ok(current);
    };
    name.trim().parse().map_err(|()| {
        Violation::bad_request(
            "driftMode",
            format!("'{}' is not one of {}.", clip(name), known(&DriftMode::ALL)),
        )
        .rule(Rule::C3)
    })
}

fn reconcile_seconds(text: Option<&str>, current: u32) -> Result<u32, Violation> {
    let Some(text) = text else {
        return Ok(current);
    };
    let refuse = || {
        Violation::bad_request(
            "reconcileInterval",
            "reconcileInterval must be a duration from PT1M to P1D, such as PT5M.",
        )
        .rule(Rule::C3)
    };
    let duration: IsoDuration = text.trim().parse().map_err(|_| refuse())?;
    u32::try_from(duration.as_delta().num_seconds())
        .ok()
        .filter(|seconds| RECONCILE_SECONDS.contains(seconds))
        .ok_or_else(refuse)
}

fn clip(text: &str) -> String {
    text.chars().take(60).collect()
}

#[cfg(test)]
#[path = "tests/connectors.rs"]
mod tests;
