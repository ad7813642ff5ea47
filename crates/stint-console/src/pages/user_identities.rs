//! O5: a user's identities at identity providers on the user's page, each with a button that
//! unlinks it, for whoever may reset the user's credentials. Who may is the app's decision.

use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use stint_app::AppError;
use stint_core::ids::UserId;
use stint_core::ErrorCode;

use crate::confirm::{self, Confirmation};
use crate::error::UiError;
use crate::forms::{done_or_again, Posted};
use crate::layout::{csrf_field, Nav};
use crate::session::Console;
use crate::wording;

/// The identities of `user`, where the caller may see them.
pub fn section(console: &Console, user: UserId) -> Markup {
    let Ok(identities) = console.view().identities_of(user) else {
        return html! {};
    };
    html! {
        section.card {
            h2 { "Identity provider sign-in" }
            @if identities.is_empty() {
                p.hint { "No identity at an identity provider is linked to this user." }
            } @else {
                table {
                    thead { tr { th { "Issuer" } th { "Subject" } th {} } }
                    tbody {
                        @for link in &identities {
                            tr {
                                td { (link.issuer) }
                                td { code { (link.subject) } }
                                td {
                                    form method="post" action=(format!("/ui/directory/users/{user}/identities/{}/unlink", link.id())) {
                                        (csrf_field(console))
                                        button.button.danger type="submit" { "Unlink" }
                                    }
                                }
                            }
                        }
                    }
                }
                p.hint { "Unlinking ends every session of the user; the identity's next sign-in links anew where Stint links by e-mail, or is refused." }
            }
        }
    }
}

/// `POST /ui/directory/users/{id}/identities/{identity}/unlink`
pub async fn unlink(
    Path((id, identity)): Path<(String, String)>,
    Posted { console, form }: Posted,
) -> Response {
    let Ok(user) = id.parse::<UserId>() else {
        return UiError::not_found("That user").into_response();
    };
    // Only someone who sees the identity is asked; anyone else hears the app's answer.
    let sees_it = console
        .view()
        .identities_of(user)
        .is_ok_and(|links| links.iter().any(|link| link.id() == identity));
    if sees_it && !confirm::confirmed(&form) {
        let name = wording::principal(&console.view(), user.into()).0;
        let action = format!(
            "/ui/directory/users/{user}/identities/{}/unlink",
            stint_core::text::percent_encode(&identity)
        );
        let back = format!("/ui/directory/users/{user}");
        return confirm::ask(
            &console,
            Confirmation {
                question: "Unlink this identity?",
                consequence: format!("{name} can no longer sign in with this identity, and every session of theirs ends now. Their next sign-in at the identity provider links anew where Stint links by e-mail, or is refused."),
                button: "Unlink",
                action: &action,
                fields: &[],
                back: &back,
                nav: Nav::Users,
            },
        );
    }
    let unlinked = console
        .app
        .unlink_identity(&console.session, &console.meta, user, &identity)
        .await;
    if let Err(AppError::Rule(violation)) = &unlinked {
        if violation.code == ErrorCode::ResourceNotFound {
            return UiError::not_found("That identity").into_response();
        }
    }
    let done = format!("/ui/directory/users/{user}");
    done_or_again(&console, unlinked, &done, |errors| {
        super::directory_users::reset_page(&console, &id, errors, None).unwrap_or_else(|_| html! {})
    })
}
