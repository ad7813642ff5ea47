//! E4: administrators extend and renew without approval, even where activation needs one.

use crate::directory::BuiltInRole;
use crate::policy::Approver;
use crate::request::{RequestAction, RequestStatus};
use crate::rules::assignments::admin_request;
use crate::rules::fixture::*;
use crate::schedule::{Access, ScheduleKind};

#[test]
fn e4_admin_extend_and_renew_are_provisioned_at_once_even_when_activation_needs_approval() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", BuiltInRole::GlobalAdministrator);
    let carol = f.user("carol");
    let alice = f.user("alice");
    let group = f.group("Finance");
    f.managed(group);
    f.policy(group, Access::Member, |s| {
        s.approval.required = true;
        s.approval.approvers = vec![Approver::User(carol)];
    });
    f.schedule(
        group,
        alice,
        Access::Member,
        ScheduleKind::Eligible,
        window(t0(), t0() + days(10)),
    );

    let extend = eligible(group, alice)
        .with_action(RequestAction::AdminExtend)
        .until(t0() + days(40));
    let (decision, request) =
        admin_request(&f.state, &f.context(admin, t0() + days(1)), extend).unwrap();
    assert_eq!(request.status, RequestStatus::Provisioned);
    assert!(request.approval.is_none());
    f.commit(decision);

    let renew = eligible(group, alice)
        .with_action(RequestAction::AdminRenew)
        .lasting(days(30));
    let (_, renewed) = admin_request(&f.state, &f.context(admin, t0() + days(45)), renew).unwrap();
    assert_eq!(renewed.status, RequestStatus::Provisioned);
    assert!(renewed.approval.is_none());
}
