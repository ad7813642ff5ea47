//! U1, U3: every change and every refusal is audited, in the transaction of the change.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use stint_app::directory::UserInput;
use stint_app::{App, AppConfig, AppError, CallMeta, ManualClock, Password};
use stint_core::audit::{AuditQuery, Outcome};
use stint_core::directory::{GroupKind, GroupSource};
use stint_core::rules::directory::NewGroup;
use stint_core::ErrorCode;
use stint_store::Store;

use common::{admin_session, Keep};

/// An app that allows one role-assignable group, bootstrapped; the store; what must outlive both.
async fn app() -> (App, Arc<dyn Store>, Keep) {
    let config = AppConfig {
        role_assignable_group_limit: 1,
        ..AppConfig::default()
    };
    common::bootstrapped(config).await
}

fn role_assignable(name: &str) -> NewGroup {
    NewGroup {
        display_name: name.into(),
        description: None,
        kind: GroupKind::Security,
        is_assignable_to_role: true,
        membership_rule: None,
        source: GroupSource::Cloud,
    }
}

async fn everything(store: &Arc<dyn Store>) -> Vec<stint_core::audit::AuditEvent> {
    store
        .audit(&AuditQuery {
            limit: 1000,
            ..AuditQuery::default()
        })
        .await
        .unwrap()
}

#[common::both_backends]
async fn u1_sign_ins_and_failed_sign_ins_are_audited() {
    let (app, store, _keep) = app().await;
    admin_session(&app).await;
    let failed = app
        .sign_in("admin", Password::new("wrong"), &CallMeta::default())
        .await;
    assert!(matches!(failed, Err(AppError::Unauthenticated)));
    let unknown = app
        .sign_in("nobody", Password::new("x"), &CallMeta::default())
        .await;
    assert!(matches!(unknown, Err(AppError::Unauthenticated)));

    // F3: failed passwords are audited as `auth.signInFailed`, one event per name and window.
    let sign_ins: Vec<_> = everything(&store)
        .await
        .into_iter()
        .filter(|e| e.record.action.starts_with("auth.signIn"))
        .map(|e| (e.record.action, e.record.outcome))
        .collect();
    assert_eq!(
        sign_ins,
        [
            ("auth.signInFailed".to_string(), Outcome::Failure),
            ("auth.signInFailed".to_string(), Outcome::Failure),
            ("auth.signIn".to_string(), Outcome::Success),
        ]
    );
}

#[common::both_backends]
async fn u1_a_refused_business_rule_is_audited_and_changes_nothing() {
    let (app, store, _keep) = app().await;
    let admin = admin_session(&app).await;
    let meta = CallMeta {
        request_id: Some("req-1".into()),
        client: Some("127.0.0.1".into()),
    };
    app.create_group(&admin, &meta, role_assignable("First"))
        .await
        .unwrap();
    let revision_before = app.revision();

    let refused = app
        .create_group(&admin, &meta, role_assignable("Second"))
        .await;
    let Err(AppError::Rule(violation)) = refused else {
        panic!("expected a refusal")
    };
    assert_eq!(violation.code, ErrorCode::RoleAssignableGroupLimitReached);

    assert_eq!(
        app.inspect_state(|state| state.groups.len()),
        1,
        "nothing was created"
    );
    let latest = &everything(&store).await[0];
    assert_eq!(latest.record.action, "group.create");
    assert_eq!(latest.record.outcome, Outcome::Failure);
    assert_eq!(latest.record.correlation_id.as_deref(), Some("req-1"));
    assert!(
        latest.record.message.contains("D3"),
        "{}",
        latest.record.message
    );
    assert_eq!(
        app.revision(),
        revision_before + 1,
        "only the audit event was committed"
    );
}

#[common::both_backends]
async fn u3_a_change_and_its_event_are_one_commit() {
    let (app, store, _keep) = app().await;
    let admin = admin_session(&app).await;
    let before = store.revision().await.unwrap();
    let created = app
        .create_user(
            &admin,
            &CallMeta::default(),
            UserInput {
                user_principal_name: "alice".into(),
                display_name: "Alice".into(),
                account_enabled: true,
                password: Password::new("alice-password"),
                mail: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(created.revision, before + 1);
    let commits = store.changes_since(before, 10).await.unwrap();
    assert_eq!(commits.len(), 1, "the user and its event are one commit");
    let events = everything(&store).await;
    assert_eq!(events[0].record.action, "user.create");
    assert_eq!(events[0].record.target_id, created.value.id.to_string());
}

#[common::both_backends]
async fn u3_a_restarted_app_sees_exactly_what_was_committed() {
    let (app, store, _keep) = app().await;
    let admin = admin_session(&app).await;
    app.create_group(&admin, &CallMeta::default(), role_assignable("Tier 0"))
        .await
        .unwrap();
    let reopened = App::open(
        store.clone(),
        Arc::new(ManualClock::starting_at(app.now())),
        AppConfig::default(),
    )
    .await
    .unwrap();
    assert_eq!(reopened.revision(), app.revision());
    let names = |app: &App| {
        app.inspect_state(|state| {
            state
                .groups
                .values()
                .map(|g| g.display_name.clone())
                .collect::<Vec<_>>()
        })
    };
    assert_eq!(names(&reopened), names(&app));
}
