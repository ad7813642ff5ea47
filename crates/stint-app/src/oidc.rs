//! Sign-in through the organisation's OpenID Provider (O1, O2).
//!
//! [`App::start_oidc_sign_in`] gives the provider's authorization URL and the sealed login state
//! for the browser's cookie; [`App::finish_oidc_sign_in`] checks the callback against that state,
//! redeems the code, validates the ID token ([`provider`]) and signs the identity in
//! ([`App::sign_in_with_identity`]): the core decides who it is (O1) and whether its
//! authentication counts as MFA (O2), and the sign-in gets a bearer token as a password sign-in
//! does. The command line signs in through the same use cases ([`cli`], [`device`]; O4).

pub mod cli;
pub mod device;
pub mod login_state;
pub mod provider;

use stint_core::audit::Outcome;
use stint_core::auth::{AccessToken, TokenHash};
use stint_core::authz::Caller;
use stint_core::ids::UserId;
use stint_core::rules::federation::{federated_sign_in, FederatedIdentity};
use stint_core::rules::Context;
use stint_core::Change;
use uuid::Uuid;

use crate::auth::{random_token, IssuedToken};
use crate::config::OidcSettings;
use crate::error::AppError;
use crate::{App, CallMeta};
pub use cli::CliReturn;
pub use login_state::StepUp;
use login_state::{LoginState, Sealer};
use provider::{AuthorizationOptions, Provider, ProviderError};

/// The configured provider and the key of its login states.
#[derive(Debug)]
pub struct Oidc {
    provider: Provider,
    sealer: Sealer,
}

impl Oidc {
    /// The provider of `settings`, answering to `{public_url}/ui/auth/oidc/callback`.
    pub fn new(settings: OidcSettings, public_url: &str) -> Result<Oidc, String> {
        let redirect_uri = format!("{}/ui/auth/oidc/callback", public_url.trim_end_matches('/'));
        let sealer = Sealer::new(settings.client_secret.as_ref().map(|s| s.expose()));
        Ok(Oidc {
            provider: Provider::new(settings, &redirect_uri)?,
            sealer,
        })
    }

    pub fn provider(&self) -> &Provider {
        &self.provider
    }

    /// The name on the console's button.
    pub fn display_name(&self) -> &str {
        &self.provider.settings().display_name
    }
}

/// A sign-in leaving for the provider.
#[derive(Debug)]
pub struct Started {
    /// Where to send the browser.
    pub url: String,
    /// The sealed login state, for the browser's cookie.
    pub cookie: String,
}

/// A sign-in back from the provider.
#[derive(Debug)]
pub struct SignedIn {
    pub token: IssuedToken,
    pub return_to: String,
}

/// Where a sign-in back from the provider goes. `Debug` hides the command line's code.
pub enum Landing {
    /// A console sign-in: a session for the browser.
    Console(SignedIn),
    /// A command-line sign-in (O4): the browser goes to the command line's loopback address,
    /// with a code or with why not.
    Cli { redirect: String },
}

impl std::fmt::Debug for Landing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Landing::Console(signed_in) => f.debug_tuple("Console").field(signed_in).finish(),
            Landing::Cli { .. } => f.write_str("Cli { .. }"),
        }
    }
}

/// Why a sign-in through the provider did not succeed. The messages are for people.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// No provider is configured.
    #[error("sign-in through an identity provider is not configured")]
    NotConfigured,
    /// The provider cannot be reached now; retrying later may work.
    #[error("the identity provider cannot be reached")]
    Unavailable,
    /// The answer did not belong to a sign-in this browser started, or its token was refused.
    #[error("the sign-in could not be verified")]
    Invalid,
    /// The provider said the person did not sign in (e.g. they cancelled).
    #[error("the identity provider did not sign you in: {0}")]
    Declined(String),
    /// O1 refused: the message says why, in plain words.
    #[error("{0}")]
    Refused(String),
    /// The provider does not offer the device authorization grant (RFC 8628).
    #[error("the identity provider does not offer sign-in with a code on another device")]
    NoDeviceFlow,
    /// The sign-in took too long.
    #[error("the sign-in took too long")]
    Expired,
    /// A parameter of the request is not acceptable; the message names it.
    #[error("{0}")]
    Unacceptable(String),
    #[error(transparent)]
    App(#[from] AppError),
}

/// What a sign-in asks of the provider and where it goes afterwards.
#[derive(Clone, Debug, Default)]
pub struct SignInRequest {
    pub return_to: String,
    pub options: AuthorizationOptions,
    /// A step-up of a session: the provider must sign in the same person.
    pub step_up: Option<StepUp>,
    /// A sign-in of the command line (O4).
    pub cli: Option<CliReturn>,
}

impl App {
    /// The configured OpenID Provider, if any.
    pub fn oidc(&self) -> Option<&Oidc> {
        self.oidc.as_ref()
    }

    /// Starts a sign-in: the provider's authorization URL and the state to keep in the browser.
    pub async fn start_oidc_sign_in(&self, request: SignInRequest) -> Result<Started, OidcError> {
        let oidc = self.oidc().ok_or(OidcError::NotConfigured)?;
        let now = self.now();
        let authorization = oidc
            .provider
            .authorization_request(&request.options)
            .await
            .map_err(unavailable)?;
        let state = LoginState {
            state: authorization.state,
            nonce: authorization.nonce,
            pkce_verifier: authorization.pkce_verifier,
            return_to: request.return_to,
            step_up: request.step_up,
            cli: request.cli,
            started_at: now,
        };
        Ok(Started {
            url: authorization.url,
            cookie: oidc.sealer.seal(&state),
        })
    }

    /// Finishes a sign-in at the callback: `cookie` is the sealed state of the browser,
    /// `state` and `code` (or `error`) what the provider sent back. A sign-in to the web console
    /// gets a token of `console_lifetime`, its session.
    pub async fn finish_oidc_sign_in(
        &self,
        cookie: Option<&str>,
        callback: &Callback,
        meta: &CallMeta,
        console_lifetime: chrono::TimeDelta,
    ) -> Result<Landing, OidcError> {
        let oidc = self.oidc().ok_or(OidcError::NotConfigured)?;
        let now = self.now();
        let login = cookie
            .and_then(|sealed| oidc.sealer.open(sealed, now))
            .filter(|login| crate::auth::same_secret(&callback.state, &login.state))
            .ok_or(OidcError::Invalid)?;
        let signed_in = self
            .finish_verified(oidc, &login, callback, meta, console_lifetime)
            .await;
        match &login.cli {
            Some(cli) => Ok(Landing::Cli {
                redirect: cli.landing(self, signed_in),
            }),
            None => signed_in.map(Landing::Console),
        }
    }

    /// [`App::finish_oidc_sign_in`] once the callback is known to belong to `login`.
    async fn finish_verified(
        &self,
        oidc: &Oidc,
        login: &LoginState,
        callback: &Callback,
        meta: &CallMeta,
        console_lifetime: chrono::TimeDelta,
    ) -> Result<SignedIn, OidcError> {
        if let Some(error) = &callback.error {
            return Err(OidcError::Declined(error.clone()));
        }
        let code = callback.code.as_deref().ok_or(OidcError::Invalid)?;
        let identity = oidc
            .provider
            .redeem(code, &login.pkce_verifier, &login.nonce, self.now())
            .await;
        let identity = match identity {
            Ok(identity) => identity,
            Err(ProviderError::Rejected(why)) => {
                self.record_rejected_answer(&why, meta).await?;
                return Err(OidcError::Invalid);
            }
            Err(error) => return Err(unavailable(error)),
        };
        // A command-line sign-in's token lives only until its code is redeemed (O4).
        let lifetime = match login.cli {
            Some(_) => cli::CODE_LIFETIME,
            None => console_lifetime,
        };
        let token = self
            .sign_in_for(&identity, login.step_up.as_ref(), meta, lifetime)
            .await
            .map_err(refused)?;
        Ok(SignedIn {
            token,
            return_to: login.return_to.clone(),
        })
    }

    /// O1, O2: signs in the identity of a validated ID token with a token of the usual lifetime;
    /// a refusal says why in plain words.
    pub async fn sign_in_as_identity(
        &self,
        identity: &FederatedIdentity,
        meta: &CallMeta,
    ) -> Result<IssuedToken, OidcError> {
        self.sign_in_for(identity, None, meta, self.config.token_lifetime)
            .await
            .map_err(refused)
    }

    /// U1: the provider's answer was refused (its code, or its ID token failed validation).
    async fn record_rejected_answer(&self, why: &str, meta: &CallMeta) -> Result<(), AppError> {
        tracing::warn!(reason = %why, "refused the identity provider's answer");
        let mut event = crate::auth::sign_in_event(meta, self.now(), None, Outcome::Failure);
        event.action = "auth.signInFailed".into();
        event.message = format!("Refused a sign-in through the identity provider: {why}.");
        self.write(move |_, _| (stint_core::Decision::new().audit(event), ()))
            .await?;
        Ok(())
    }

    /// O1, O2: signs in the identity of a validated ID token. In a `step_up`, the identity must
    /// be the session's user, and the new token replaces the session's. Every outcome is audited.
    pub async fn sign_in_with_identity(
        &self,
        identity: &FederatedIdentity,
        step_up: Option<&StepUp>,
        meta: &CallMeta,
    ) -> Result<IssuedToken, AppError> {
        self.sign_in_for(identity, step_up, meta, self.config.token_lifetime)
            .await
    }

    /// [`App::sign_in_with_identity`] with a token of `lifetime`.
    async fn sign_in_for(
        &self,
        identity: &FederatedIdentity,
        step_up: Option<&StepUp>,
        meta: &CallMeta,
        lifetime: chrono::TimeDelta,
    ) -> Result<IssuedToken, AppError> {
        let oidc = self.oidc().ok_or(AppError::Unauthenticated)?;
        let settings = oidc.provider.settings();
        let token = random_token();
        let issued = TokenHash::of(&token);
        let freshness = self.config.mfa_freshness;
        let (enrolment, mfa_acr) = (settings.enrolment, settings.mfa_acr.clone());
        let (identity, step_up, meta) = (identity.clone(), step_up.cloned(), meta.clone());
        let (result, _) = self
            .write(move |state, now| {
                let nobody = Caller {
                    user: UserId(Uuid::nil()),
                    roles: Vec::new(),
                };
                let ctx = Context::new(&nobody, now, Uuid::new_v4)
                    .with_correlation(meta.request_id.clone(), meta.client.clone())
                    .with_mfa(None, freshness);
                let mut outcome =
                    federated_sign_in(state, &ctx, &identity, enrolment, mfa_acr.as_deref());
                if let (Ok((user, _)), Some(step_up)) = (&outcome.result, &step_up) {
                    if *user == step_up.user {
                        if state.tokens.contains_key(&step_up.session) {
                            let replaced = Change::TokenRevoked(step_up.session.clone());
                            outcome.decision.push(replaced);
                        }
                    } else {
                        let mut event = crate::auth::sign_in_event(
                            &meta,
                            now,
                            Some(step_up.user),
                            Outcome::Failure,
                        );
                        event.action = "auth.signInFailed".into();
                        event.message = "Refused a step-up: the identity provider signed in another person.".into();
                        outcome.decision = stint_core::Decision::new().audit(event);
                        outcome.result = Err(stint_core::Violation::new(
                            stint_core::ErrorCode::AuthorizationRequestDenied,
                            "The identity provider signed in someone else. Sign in again as yourself.",
                        ));
                    }
                }
                if let Ok((user, mfa_at)) = &outcome.result {
                    outcome.decision.push(Change::Token(AccessToken {
                        hash: issued,
                        user_id: *user,
                        issued_at: now,
                        expires_at: now + lifetime,
                        mfa_at: *mfa_at,
                    }));
                }
                (outcome.decision, outcome.result)
            })
            .await?;
        result?;
        Ok(IssuedToken {
            token,
            expires_in: lifetime,
        })
    }
}

/// What the provider sent to the callback.
#[derive(Clone, Debug, Default)]
pub struct Callback {
    pub state: String,
    pub code: Option<String>,
    pub error: Option<String>,
}

/// Discovers the provider, if one is configured, and says in the log how that went.
pub async fn discover_in_background(app: std::sync::Arc<App>) {
    let Some(oidc) = app.oidc() else {
        return;
    };
    match oidc.provider.discover(None).await {
        Ok(_) => {
            tracing::info!(issuer = %oidc.provider.settings().issuer, "discovered the identity provider")
        }
        Err(error) => {
            tracing::warn!(%error, "the identity provider is not reachable yet; Stint tries again at the first sign-in")
        }
    }
}

/// O1's refusal in plain words; other errors as they are.
fn refused(error: AppError) -> OidcError {
    match error {
        AppError::Rule(violation) => OidcError::Refused(violation.message),
        other => OidcError::App(other),
    }
}

fn unavailable(error: ProviderError) -> OidcError {
    tracing::warn!(%error, "the identity provider is unavailable");
    OidcError::Unavailable
}
