//! Webhook subscriptions (SPEC N3).

use crate::directory::BuiltInRole::*;
use crate::ids::{UserId, WebhookId};
use crate::notify::EventType;
use crate::rules::fixture::*;
use crate::rules::webhooks::{create, delete, redrive, update, NewWebhook, WebhookPatch, MAX_URL};
use crate::spec::Rule;
use crate::violation::{ErrorCode, Violation};
use crate::webhook::{Webhook, WebhookFormat, WebhookSecret};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const SLACK: &str = "https://hooks.slack.com/services/T000/B000/XXXXSECRETXXXX";

fn input(url: &str, events: &[&str], format: Option<&str>) -> NewWebhook {
    NewWebhook {
        url: url.to_string(),
        events: events.iter().map(|event| event.to_string()).collect(),
        format: format.map(str::to_string),
    }
}

fn subscribe(f: &Fixture, caller: UserId, input: NewWebhook) -> Result<Webhook, Violation> {
    let secret = WebhookSecret(SECRET.to_string());
    create(&f.state, &f.context(caller, t0()), input, secret).map(|(_, webhook)| webhook)
}

fn refusal(f: &Fixture, caller: UserId, input: NewWebhook) -> (Option<&'static str>, String) {
    let violation = subscribe(f, caller, input).unwrap_err();
    assert_eq!(violation.code, ErrorCode::BadRequest, "{violation:?}");
    (violation.field, violation.message)
}

/// A subscription made by `admin` and committed.
fn subscribed(f: &mut Fixture, admin: UserId, url: &str) -> WebhookId {
    let secret = WebhookSecret(SECRET.to_string());
    let (decision, webhook) = create(
        &f.state,
        &f.context(admin, t0()),
        input(url, &["request.approved"], None),
        secret,
    )
    .unwrap();
    f.commit(decision);
    webhook.id
}

#[test]
fn n3_global_and_privileged_role_administrators_subscribe_with_standard_as_the_default_format() {
    let mut f = Fixture::new();
    for (name, role) in [
        ("gaby", GlobalAdministrator),
        ("pria", PrivilegedRoleAdministrator),
    ] {
        let admin = f.admin(name, role);
        let events = ["request.pendingApproval", "eligibility.assigned"];
        let webhook = subscribe(
            &f,
            admin,
            input("https://hooks.example.com/a", &events, None),
        )
        .unwrap();
        assert_eq!(webhook.format, WebhookFormat::Standard);
        assert_eq!(
            webhook.events,
            [
                EventType::EligibilityAssigned,
                EventType::RequestPendingApproval
            ],
            "kept in the vocabulary's order"
        );
        assert_eq!(webhook.created_by, admin);
        assert_eq!(webhook.created_at, t0());
        assert_eq!(webhook.deleted_at, None);
    }
}

#[test]
fn n3_other_administrators_and_owners_may_not_manage_webhooks() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let id = subscribed(&mut f, admin, "https://hooks.example.com/a");
    let group = f.group("Finance");
    let owner = f.user("olga");
    f.owner(group, owner);
    let callers = [
        f.admin("gus", GroupsAdministrator),
        f.admin("ula", UserAdministrator),
        f.admin("ida", IdentityGovernanceAdministrator),
        owner,
        f.user("alice"),
    ];
    for caller in callers {
        let ctx = f.context(caller, t0());
        let refusals = [
            subscribe(
                &f,
                caller,
                input("https://x.example", &["request.approved"], None),
            )
            .unwrap_err(),
            update(&f.state, &ctx, id, WebhookPatch::default()).unwrap_err(),
            delete(&f.state, &ctx, id).unwrap_err(),
            redrive(&f.state, &ctx, f.fresh_id()).unwrap_err(),
        ];
        for violation in refusals {
            assert_eq!(violation.code, ErrorCode::AuthorizationRequestDenied);
            assert_eq!(violation.rule, Some(Rule::N3));
        }
    }
}

#[test]
fn n3_only_http_and_https_urls_without_credentials_and_of_at_most_2000_characters() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let events = ["request.approved"];
    let long = format!("https://hooks.example.com/{}", "a".repeat(MAX_URL));
    for url in [
        "",
        "   ",
        "hooks.example.com/stint",
        "ftp://hooks.example.com/stint",
        "file:///etc/passwd",
        "mailto:ops@example.com",
        "https://user:secret-password@hooks.example.com/stint",
        "https://token@hooks.example.com/stint",
        long.as_str(),
    ] {
        let (field, message) = refusal(&f, admin, input(url, &events, None));
        assert_eq!(field, Some("url"), "{url}");
        assert!(!message.contains("secret-password"), "{message}");
    }
    let exact = format!("https://hooks.example.com/{}", "a".repeat(MAX_URL - 26));
    assert_eq!(exact.chars().count(), MAX_URL);
    for url in [
        "http://127.0.0.1:8080/hook",
        "HTTPS://Hooks.Example.com/a?b=c",
        exact.as_str(),
    ] {
        assert!(
            subscribe(&f, admin, input(url, &events, None)).is_ok(),
            "{url}"
        );
    }
}

#[test]
fn n3_events_are_a_non_empty_list_of_known_types_each_named_once() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let url = "https://hooks.example.com/a";
    for events in [
        &[][..],
        &["request.approved", "request.exploded"][..],
        &["request.approved", "request.approved"][..],
        &["request.approved", "REQUEST.APPROVED"][..],
    ] {
        let (field, message) = refusal(&f, admin, input(url, events, None));
        assert_eq!(field, Some("events"), "{events:?}: {message}");
    }
    let every: Vec<&str> = EventType::ALL.iter().map(|event| event.as_str()).collect();
    let webhook = subscribe(&f, admin, input(url, &every, None)).unwrap();
    assert_eq!(webhook.events, EventType::ALL);
}

#[test]
fn n3_the_format_is_standard_slack_or_teams() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let events = ["request.approved"];
    for format in WebhookFormat::ALL {
        let webhook = subscribe(&f, admin, input(SLACK, &events, Some(format.as_str()))).unwrap();
        assert_eq!(webhook.format, format);
    }
    let (field, _) = refusal(&f, admin, input(SLACK, &events, Some("discord")));
    assert_eq!(field, Some("format"));
}

#[test]
fn n3_the_audit_names_the_id_and_the_host_never_the_url_or_the_secret() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let ctx = f.context(admin, t0());
    let (created, webhook) = create(
        &f.state,
        &ctx,
        input(SLACK, &["request.approved"], Some("slack")),
        WebhookSecret(SECRET.to_string()),
    )
    .unwrap();
    f.commit(created.clone());
    let patch = WebhookPatch {
        url: Some(format!("{SLACK}2")),
        ..WebhookPatch::default()
    };
    let (updated, _) = update(&f.state, &ctx, webhook.id, patch).unwrap();
    f.commit(updated.clone());
    let deleted = delete(&f.state, &ctx, webhook.id).unwrap();
    for (decision, action) in [
        (created, "webhook.create"),
        (updated, "webhook.update"),
        (deleted, "webhook.delete"),
    ] {
        let [record] = decision.audit.as_slice() else {
            panic!("one audit event: {:?}", decision.audit)
        };
        assert_eq!(record.action, action);
        assert_eq!(record.target_type, "webhook");
        assert_eq!(record.target_id, webhook.id.to_string());
        assert!(record.message.contains("hooks.slack.com"), "{record:?}");
        let text = format!("{record:?}");
        assert!(!text.contains("XXXXSECRETXXXX"), "{text}");
        assert!(!text.contains(SECRET), "{text}");
    }
}

#[test]
fn n3_a_patch_changes_what_it_names_and_keeps_the_secret() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let id = subscribed(&mut f, admin, "https://hooks.example.com/a");
    let ctx = f.context(admin, t0() + hours(1));
    let patch = WebhookPatch {
        url: None,
        events: Some(vec!["request.denied".into(), "request.approved".into()]),
        format: Some("teams".into()),
    };
    let (decision, webhook) = update(&f.state, &ctx, id, patch).unwrap();
    f.commit(decision);
    assert_eq!(webhook.url, "https://hooks.example.com/a");
    assert_eq!(
        webhook.events,
        [EventType::RequestApproved, EventType::RequestDenied]
    );
    assert_eq!(webhook.format, WebhookFormat::Teams);
    assert_eq!(webhook.secret.expose(), SECRET);
    assert_eq!(f.state.webhooks[&id], webhook);
    let bad = WebhookPatch {
        events: Some(Vec::new()),
        ..WebhookPatch::default()
    };
    let violation = update(&f.state, &ctx, id, bad).unwrap_err();
    assert_eq!(violation.field, Some("events"));
}

#[test]
fn n3_a_deleted_subscription_receives_nothing_stays_readable_and_cannot_be_changed() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let id = subscribed(&mut f, admin, "https://hooks.example.com/a");
    assert_eq!(
        f.state
            .webhooks_for(EventType::RequestApproved)
            .collect::<Vec<_>>(),
        [id]
    );
    let ctx = f.context(admin, t0() + hours(1));
    f.commit(delete(&f.state, &ctx, id).unwrap());
    assert_eq!(f.state.webhooks[&id].deleted_at, Some(t0() + hours(1)));
    assert_eq!(f.state.webhooks_for(EventType::RequestApproved).count(), 0);
    let not_found = ErrorCode::ResourceNotFound;
    assert_eq!(delete(&f.state, &ctx, id).unwrap_err().code, not_found);
    let patch = WebhookPatch::default();
    assert_eq!(
        update(&f.state, &ctx, id, patch).unwrap_err().code,
        not_found
    );
    let unknown = WebhookId(f.fresh_id());
    assert_eq!(delete(&f.state, &ctx, unknown).unwrap_err().code, not_found);
}
