//! Connectors and their links (issue 18: C1, C2, C3).

use crate::connector::{Connector, ConnectorSecret, DriftMode, Endpoint, MemberAttribute};
use crate::directory::BuiltInRole::*;
use crate::ids::{ConnectorId, GroupId, UserId};
use crate::rules::connectors::{
    add_link, ask_reconcile, create, delete, remove_link, update, ConnectorFields, NewLink,
    DEFAULT_RECONCILE_SECONDS,
};
use crate::rules::fixture::*;
use crate::schedule::Access;
use crate::spec::Rule;
use crate::violation::{ErrorCode, Violation};

const PASSWORD: &str = "s3cret-bind-password";

fn ldap() -> ConnectorFields {
    ConnectorFields {
        display_name: Some("Corporate LDAP".into()),
        kind: Some("ldap".into()),
        url: Some("ldap://ldap.example.com:389".into()),
        bind_dn: Some("cn=stint,dc=example,dc=com".into()),
        bind_password: Some(ConnectorSecret(PASSWORD.into())),
        base_dn: Some("dc=example,dc=com".into()),
        user_filter: Some("(uid={userPrincipalName})".into()),
        ..ConnectorFields::default()
    }
}

fn made(f: &Fixture, caller: UserId, fields: ConnectorFields) -> Result<Connector, Violation> {
    create(&f.state, &f.context(caller, t0()), fields).map(|(_, connector)| connector)
}

fn refusal(f: &Fixture, caller: UserId, fields: ConnectorFields) -> (Option<&'static str>, String) {
    let violation = made(f, caller, fields).unwrap_err();
    assert_eq!(violation.code, ErrorCode::BadRequest, "{violation:?}");
    (violation.field, violation.message)
}

fn committed(f: &mut Fixture, admin: UserId, fields: ConnectorFields) -> ConnectorId {
    let (decision, connector) = create(&f.state, &f.context(admin, t0()), fields).unwrap();
    f.commit(decision);
    connector.id
}

fn link(group: GroupId, target: &str, attribute: Option<&str>) -> NewLink {
    NewLink {
        group,
        access: None,
        target: target.into(),
        member_attribute: attribute.map(str::to_owned),
    }
}

#[test]
fn c1_only_global_and_privileged_role_administrators_manage_connectors() {
    let mut f = Fixture::new();
    for role in [GlobalAdministrator, PrivilegedRoleAdministrator] {
        let admin = f.admin(&format!("{role:?}"), role);
        let connector = made(&f, admin, ldap()).unwrap();
        assert_eq!(connector.drift, DriftMode::Enforce);
        assert_eq!(connector.reconcile_seconds, DEFAULT_RECONCILE_SECONDS);
    }
    for role in [
        GroupsAdministrator,
        UserAdministrator,
        HelpdeskAdministrator,
    ] {
        let admin = f.admin(&format!("{role:?}"), role);
        let violation = made(&f, admin, ldap()).unwrap_err();
        assert_eq!(violation.code, ErrorCode::AuthorizationRequestDenied);
        assert_eq!(violation.rule, Some(Rule::C1));
    }
    let nobody = f.user("nobody");
    assert_eq!(made(&f, nobody, ldap()).unwrap_err().rule, Some(Rule::C1));
}

#[test]
fn c1_credentials_reach_neither_the_audit_nor_debug_output() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let (decision, connector) = create(&f.state, &f.context(admin, t0()), ldap()).unwrap();
    let audit = format!("{:?}", decision.audit);
    assert!(!audit.contains(PASSWORD), "{audit}");
    assert!(audit.contains("ldap.example.com"), "{audit}");
    assert!(!format!("{connector:?}").contains(PASSWORD));

    let postgres = ConnectorFields {
        display_name: Some("Prod DB".into()),
        kind: Some("postgres".into()),
        url: Some("postgres://stint:pg-pass-123@db.example.com/app".into()),
        ..ConnectorFields::default()
    };
    let (decision, connector) = create(&f.state, &f.context(admin, t0()), postgres).unwrap();
    assert!(!format!("{:?}{connector:?}", decision.audit).contains("pg-pass-123"));
    match connector.endpoint {
        Endpoint::Postgres { login_role, .. } => assert_eq!(login_role, "{userPrincipalName}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn c1_each_type_names_the_field_it_lacks_or_does_not_take() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let cases: Vec<(ConnectorFields, &str)> = vec![
        (
            ConnectorFields {
                kind: Some("ftp".into()),
                ..ldap()
            },
            "type",
        ),
        (
            ConnectorFields {
                kind: None,
                ..ldap()
            },
            "type",
        ),
        (
            ConnectorFields {
                display_name: None,
                ..ldap()
            },
            "displayName",
        ),
        (
            ConnectorFields {
                url: Some("https://ldap.example.com".into()),
                ..ldap()
            },
            "url",
        ),
        (
            ConnectorFields {
                url: Some("not a url".into()),
                ..ldap()
            },
            "url",
        ),
        (
            ConnectorFields {
                bind_password: None,
                ..ldap()
            },
            "bindPassword",
        ),
        (
            ConnectorFields {
                bind_password: Some(ConnectorSecret(String::new())),
                ..ldap()
            },
            "bindPassword",
        ),
        (
            ConnectorFields {
                base_dn: None,
                ..ldap()
            },
            "baseDn",
        ),
        (
            ConnectorFields {
                user_filter: Some("(uid=alice)".into()),
                ..ldap()
            },
            "userFilter",
        ),
        (
            ConnectorFields {
                user_filter: Some("(uid={upn})".into()),
                ..ldap()
            },
            "userFilter",
        ),
        (
            ConnectorFields {
                user_filter: Some("uid={userPrincipalName}".into()),
                ..ldap()
            },
            "userFilter",
        ),
        (
            ConnectorFields {
                token: Some(ConnectorSecret("t".into())),
                ..ldap()
            },
            "token",
        ),
        (
            ConnectorFields {
                url: Some("ldaps://ldap.example.com".into()),
                start_tls: Some(true),
                ..ldap()
            },
            "startTls",
        ),
        (
            ConnectorFields {
                drift_mode: Some("fix".into()),
                ..ldap()
            },
            "driftMode",
        ),
        (
            ConnectorFields {
                reconcile_interval: Some("PT10S".into()),
                ..ldap()
            },
            "reconcileInterval",
        ),
        (
            ConnectorFields {
                reconcile_interval: Some("often".into()),
                ..ldap()
            },
            "reconcileInterval",
        ),
        (
            ConnectorFields {
                display_name: Some("App".into()),
                kind: Some("scim".into()),
                url: Some("https://app.example.com/scim/v2".into()),
                ..ConnectorFields::default()
            },
            "token",
        ),
        (
            ConnectorFields {
                display_name: Some("DB".into()),
                kind: Some("postgres".into()),
                url: Some("postgres://db/app".into()),
                base_dn: Some("dc=x".into()),
                ..ConnectorFields::default()
            },
            "baseDn",
        ),
    ];
    for (fields, field) in cases {
        let (named, message) = refusal(&f, admin, fields);
        assert_eq!(named, Some(field), "{message}");
        assert!(!message.contains(PASSWORD), "{message}");
    }
}

#[test]
fn c1_a_refused_url_is_not_repeated_since_it_may_hold_a_password() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let fields = ConnectorFields {
        display_name: Some("DB".into()),
        kind: Some("postgres".into()),
        url: Some("mysql://root:hunter2@db/app".into()),
        ..ConnectorFields::default()
    };
    let (field, message) = refusal(&f, admin, fields);
    assert_eq!(field, Some("url"));
    assert!(!message.contains("hunter2"), "{message}");
}

#[test]
fn c1_an_update_keeps_credentials_left_out_and_the_type() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let id = committed(&mut f, admin, ldap());
    let patch = ConnectorFields {
        drift_mode: Some("report".into()),
        reconcile_interval: Some("PT1H".into()),
        ..ConnectorFields::default()
    };
    let (_, connector) = update(&f.state, &f.context(admin, t0()), id, patch).unwrap();
    assert_eq!(connector.drift, DriftMode::Report);
    assert_eq!(connector.reconcile_seconds, 3600);
    match &connector.endpoint {
        Endpoint::Ldap { bind_password, .. } => assert_eq!(bind_password.expose(), PASSWORD),
        other => panic!("{other:?}"),
    }
    let retype = ConnectorFields {
        kind: Some("scim".into()),
        ..ConnectorFields::default()
    };
    let violation = update(&f.state, &f.context(admin, t0()), id, retype).unwrap_err();
    assert_eq!(violation.field, Some("type"));
}

#[test]
fn c1_an_ldap_placeholder_dn_is_kept_reset_by_an_empty_value_and_ldap_only() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let placeholder = |connector: &Connector| match &connector.endpoint {
        Endpoint::Ldap { placeholder_dn, .. } => placeholder_dn.clone(),
        other => panic!("{other:?}"),
    };
    let fields = ConnectorFields {
        placeholder_dn: Some("cn=empty,ou=groups,dc=example,dc=com".into()),
        ..ldap()
    };
    let made_with = made(&f, admin, fields).unwrap();
    assert_eq!(
        placeholder(&made_with).as_deref(),
        Some("cn=empty,ou=groups,dc=example,dc=com")
    );
    let id = committed(&mut f, admin, ldap());
    assert_eq!(placeholder(&f.state.connectors[&id]), None);
    let set = ConnectorFields {
        placeholder_dn: Some("cn=nobody,dc=example,dc=com".into()),
        ..ConnectorFields::default()
    };
    let (decision, changed) = update(&f.state, &f.context(admin, t0()), id, set).unwrap();
    assert_eq!(
        placeholder(&changed).as_deref(),
        Some("cn=nobody,dc=example,dc=com")
    );
    f.commit(decision);
    let kept = ConnectorFields {
        display_name: Some("Renamed".into()),
        ..ConnectorFields::default()
    };
    let (_, changed) = update(&f.state, &f.context(admin, t0()), id, kept).unwrap();
    assert_eq!(
        placeholder(&changed).as_deref(),
        Some("cn=nobody,dc=example,dc=com")
    );
    let reset = ConnectorFields {
        placeholder_dn: Some(String::new()),
        ..ConnectorFields::default()
    };
    let (_, changed) = update(&f.state, &f.context(admin, t0()), id, reset).unwrap();
    assert_eq!(placeholder(&changed), None);
    let scim = ConnectorFields {
        display_name: Some("App".into()),
        kind: Some("scim".into()),
        url: Some("https://app.example.com/scim/v2".into()),
        token: Some(ConnectorSecret("t".into())),
        placeholder_dn: Some("cn=x".into()),
        ..ConnectorFields::default()
    };
    assert_eq!(refusal(&f, admin, scim).0, Some("placeholderDn"));
}

#[test]
fn c3_a_reconcile_asked_counts_in_the_state_for_the_node_that_drives_it() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let helpdesk = f.admin("hans", HelpdeskAdministrator);
    let id = committed(&mut f, admin, ldap());
    assert_eq!(f.state.connectors[&id].reconciles_asked, 0);
    assert!(ask_reconcile(&f.state, &f.context(helpdesk, t0()), id).is_err());
    for _ in 0..2 {
        let decision = ask_reconcile(&f.state, &f.context(admin, t0()), id).unwrap();
        f.commit(decision);
    }
    assert_eq!(f.state.connectors[&id].reconciles_asked, 2);
}

#[test]
fn c2_a_link_names_a_live_group_once_and_ldap_links_default_to_member() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let group = f.group("Prod DB Admins");
    let id = committed(&mut f, admin, ldap());
    let dn = "cn=dbadmins,ou=groups,dc=example,dc=com";
    let (decision, made) =
        add_link(&f.state, &f.context(admin, t0()), id, link(group, dn, None)).unwrap();
    assert_eq!(made.member_attribute, Some(MemberAttribute::Member));
    assert_eq!(made.access, Access::Member);
    f.commit(decision);

    let again = add_link(
        &f.state,
        &f.context(admin, t0()),
        id,
        link(group, dn, Some("member")),
    );
    assert_eq!(again.unwrap_err().rule, Some(Rule::C2));
    let wrong = add_link(
        &f.state,
        &f.context(admin, t0()),
        id,
        link(group, "cn=x", Some("owner")),
    );
    assert_eq!(wrong.unwrap_err().field, Some("memberAttribute"));
    let missing = add_link(
        &f.state,
        &f.context(admin, t0()),
        id,
        link(GroupId(f.fresh_id()), "cn=x", None),
    );
    assert_eq!(missing.unwrap_err().code, ErrorCode::ResourceNotFound);

    let (decision, _) = add_link(
        &f.state,
        &f.context(admin, t0()),
        id,
        link(group, "cn=posix,dc=example,dc=com", Some("memberuid")),
    )
    .unwrap();
    f.commit(decision);
    assert_eq!(f.state.connectors[&id].links.len(), 2);
    assert_eq!(
        f.state.connectors[&id].links[1].member_attribute,
        Some(MemberAttribute::MemberUid),
        "read case-insensitively"
    );

    let first = f.state.connectors[&id].links[0].id;
    let decision = remove_link(&f.state, &f.context(admin, t0()), id, first).unwrap();
    f.commit(decision);
    assert_eq!(f.state.connectors[&id].links.len(), 1);
}

#[test]
fn c2_only_ldap_links_take_a_member_attribute() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let group = f.group("App users");
    let scim = ConnectorFields {
        display_name: Some("App".into()),
        kind: Some("scim".into()),
        url: Some("https://app.example.com/scim/v2".into()),
        token: Some(ConnectorSecret("bearer".into())),
        ..ConnectorFields::default()
    };
    let id = committed(&mut f, admin, scim);
    let refused = add_link(
        &f.state,
        &f.context(admin, t0()),
        id,
        link(group, "Admins", Some("member")),
    );
    assert_eq!(refused.unwrap_err().field, Some("memberAttribute"));
    let (_, made) = add_link(
        &f.state,
        &f.context(admin, t0()),
        id,
        link(group, "Admins", None),
    )
    .unwrap();
    assert_eq!(made.member_attribute, None);
}

#[test]
fn c1_a_deleted_connector_takes_no_more_changes() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let group = f.group("Ops");
    let id = committed(&mut f, admin, ldap());
    let decision = delete(&f.state, &f.context(admin, t0()), id).unwrap();
    f.commit(decision);
    assert!(!f.state.connectors[&id].is_live());
    let refused = add_link(
        &f.state,
        &f.context(admin, t0()),
        id,
        link(group, "cn=ops", None),
    );
    assert_eq!(refused.unwrap_err().code, ErrorCode::ResourceNotFound);
    let again = delete(&f.state, &f.context(admin, t0()), id);
    assert_eq!(again.unwrap_err().code, ErrorCode::ResourceNotFound);
}
