//! A connector's configuration in the state, as the target of `stint-connectors` that writes to
//! it.

use stint_connectors::ldap::{LdapConfig, LdapTarget};
use stint_connectors::postgres::{PostgresConfig, PostgresTarget};
use stint_connectors::scim::{ScimConfig, ScimTarget};
use stint_connectors::{AnyTarget, Link, MemberAttribute, Mode, TargetError};
use stint_core::connector::{self as core, DriftMode, Endpoint};

/// The DN kept in every `member`/`uniqueMember` group so that it may lose its last member
/// (docs/connectors-ldap.md), unless the connector names its own (`placeholderDn`): under the
/// connector's base DN, matching no entry and so nobody.
pub(crate) fn placeholder(base_dn: &str) -> String {
    format!("cn=stint-placeholder,{base_dn}")
}

pub(crate) fn target(endpoint: &Endpoint) -> Result<AnyTarget, TargetError> {
    Ok(match endpoint {
        Endpoint::Ldap {
            url,
            bind_dn,
            bind_password,
            base_dn,
            user_filter,
            start_tls,
            placeholder_dn,
        } => {
            let mut config = LdapConfig::new(
                url.as_str(),
                bind_dn.as_str(),
                bind_password.expose(),
                base_dn.as_str(),
                user_filter.as_str(),
            );
            config.start_tls = *start_tls;
            config.placeholder_member = Some(match placeholder_dn {
                Some(dn) => dn.clone(),
                None => placeholder(base_dn),
            });
            AnyTarget::Ldap(LdapTarget::new(config)?)
        }
        Endpoint::Scim { url, token } => AnyTarget::Scim(ScimTarget::new(ScimConfig::new(
            url.as_str(),
            token.expose(),
        ))?),
        Endpoint::Postgres { url, login_role } => {
            let mut config = PostgresConfig::new(url.expose());
            config.login_role = login_role.clone();
            AnyTarget::Postgres(PostgresTarget::new(config)?)
        }
    })
}

pub(crate) fn link(link: &core::Link) -> Link {
    Link {
        target: link.target.clone(),
        member_attribute: match link.member_attribute {
            None | Some(core::MemberAttribute::Member) => MemberAttribute::Member,
            Some(core::MemberAttribute::UniqueMember) => MemberAttribute::UniqueMember,
            Some(core::MemberAttribute::MemberUid) => MemberAttribute::MemberUid,
        },
    }
}

pub(crate) fn mode(drift: DriftMode) -> Mode {
    match drift {
        DriftMode::Enforce => Mode::Enforce,
        DriftMode::Report => Mode::Report,
    }
}
