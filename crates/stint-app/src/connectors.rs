//! Connectors and their links, for Global and Privileged Role Administrators (C1, C2): making,
//! changing and deleting a connector, and linking a Stint group to a target group.

use stint_core::connector::{Connector, ConnectorId, Link, LinkId};
use stint_core::rules::connectors::{self as rules, ConnectorFields, NewLink};

use crate::engine::Attempt;
use crate::use_cases::rule_use_cases;

rule_use_cases! {
    create_connector(fields: ConnectorFields) -> Connector = decide(
        Attempt::new("connector.create", "connector", fields.display_name.clone().unwrap_or_default()),
        rules::create);
    update_connector(id: ConnectorId, fields: ConnectorFields) -> Connector = decide(
        Attempt::new("connector.update", "connector", id),
        rules::update);
    delete_connector(id: ConnectorId) -> () = decide_alone(
        Attempt::new("connector.delete", "connector", id),
        rules::delete);
    link_connector(id: ConnectorId, input: NewLink) -> Link = decide(
        Attempt::new("connector.link.create", "connector", id).about(Some(input.group), None),
        rules::add_link);
    unlink_connector(id: ConnectorId, link: LinkId) -> () = decide_alone(
        Attempt::new("connector.link.delete", "connector", id),
        rules::remove_link);
    /// Asks the node driving connector `id`, whichever it is, to reconcile it now (C3; Global
    /// and Privileged Role Administrators): one commit, which wakes that node's task.
    request_reconcile(id: ConnectorId) -> () = decide_alone(
        Attempt::new("connector.reconcile", "connector", id),
        rules::ask_reconcile);
}
