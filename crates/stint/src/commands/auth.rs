//! `stint login`, `stint logout` and `stint whoami`.
//!
//! The password is read without echo from the terminal, or from stdin with `--password-stdin`; a
//! TOTP code is asked for when the server answers `MfaRequired` (or given with `--totp`). Neither
//! the password, the code nor the token is ever printed. `--sso` signs in through the identity
//! provider instead ([`super::sso`]).

use std::io::{BufRead, Write};

use chrono::{TimeDelta, Utc};
use clap::Args;
use reqwest::Method;
use serde_json::{json, Value};

use super::{interactive, prompt_totp, Ctx};
use crate::client::credentials::{self, Credentials};
use crate::client::{CliError, CliResult, Client, DEFAULT_SERVER};
use crate::output::{format_time, Table};
use crate::when::rfc3339;

#[derive(Debug, Args)]
#[command(after_long_help = "Examples:
  stint login --server https://stint.example.com --username alice
  echo \"$PASSWORD\" | stint login --server http://127.0.0.1:8080 --username admin --password-stdin
  stint login --username alice --totp 123456
  stint login --sso                  # through your identity provider, in the browser
  stint login --sso --device         # enter a code at the identity provider on any device

The sign-in is saved in $STINT_CONFIG_DIR/credentials.json, or stint/credentials.json in your config
directory ($XDG_CONFIG_HOME, ~/.config), readable by you only. STINT_SERVER and STINT_TOKEN override it.")]
pub struct LoginArgs {
    /// Your user name (user principal name); asked for when left out on a terminal.
    #[arg(long, short = 'u', env = "STINT_USERNAME")]
    username: Option<String>,
    /// Read the password from the first line of stdin (for scripts) instead of asking.
    #[arg(long)]
    password_stdin: bool,
    /// The current TOTP code, for an account with an authenticator app.
    #[arg(long, value_name = "CODE")]
    totp: Option<String>,
    /// Sign in through your organisation's identity provider, in the browser, instead of with a
    /// password.
    #[arg(long, conflicts_with_all = ["username", "password_stdin", "totp"])]
    sso: bool,
    /// With --sso: enter a code at the identity provider on any device instead of opening a
    /// browser here (where the provider offers it).
    #[arg(long, requires = "sso")]
    device: bool,
    /// With --sso: print the sign-in address instead of opening the browser.
    #[arg(long, requires = "sso")]
    no_browser: bool,
}

#[derive(Debug, Args)]
#[command(after_long_help = "Examples:
  stint logout")]
pub struct LogoutArgs {}

#[derive(Debug, Args)]
#[command(after_long_help = "Examples:
  stint whoami
  stint whoami --output json")]
pub struct WhoamiArgs {}

/// What signing in needs besides the server.
struct SignIn {
    username: String,
    password: String,
    totp: Option<String>,
}

pub fn login(ctx: &Ctx, args: LoginArgs) -> CliResult<()> {
    let saved = credentials::load().ok().flatten();
    let server = ctx
        .server
        .clone()
        .or_else(|| saved.as_ref().map(|saved| saved.server.clone()))
        .unwrap_or_else(|| DEFAULT_SERVER.to_string());
    let client = Client::anonymous(&server)?;
    if args.sso {
        let issued = super::sso::sign_in(&client, args.device, !args.no_browser)?;
        let me = Client::with_token(client.server(), &issued.token)?.get("/v1.0/me", &[])?;
        let username = me
            .get("userPrincipalName")
            .and_then(Value::as_str)
            .unwrap_or_default();
        return save(ctx, &client, &issued.token, username, issued.expires_in);
    }
    let mut sign_in = SignIn {
        username: username(&args)?,
        password: password(&args)?,
        totp: args.totp.clone(),
    };
    let can_ask = interactive() && !args.password_stdin;
    let mut reply = token_request(&client, &sign_in)?;
    if reply.status == 401 && reply.error_code() == Some("MfaRequired") && sign_in.totp.is_none() {
        if !can_ask {
            return Err(CliError::Auth {
                message: format!(
                    "The account {} needs a TOTP code from its authenticator app.",
                    sign_in.username
                ),
                hint: "Run the command again with --totp CODE.".into(),
            });
        }
        sign_in.totp = Some(prompt_totp()?);
        reply = token_request(&client, &sign_in)?;
    }
    if reply.status == 401 {
        let (message, hint) = match reply.error_code() {
            Some("MfaRequired") => (
                "The TOTP code was wrong or was already used.".to_string(),
                "Try again with the current code of your authenticator app (each code works once).",
            ),
            _ => (
                crate::client::error::server_message_in_words(
                    reply.error_code().unwrap_or_default(),
                    &reply.error_message(),
                ),
                "Check the user name and password; an administrator can reset them.",
            ),
        };
        return Err(CliError::Auth {
            message,
            hint: hint.into(),
        });
    }
    let body = client.judge(reply)?;
    let token = body
        .get("access_token")
        .and_then(Value::as_str)
        .ok_or_else(|| CliError::Other("The server's answer has no access_token.".into()))?;
    let lifetime = body
        .get("expires_in")
        .and_then(Value::as_i64)
        .unwrap_or(3600);
    save(ctx, &client, token, &sign_in.username, lifetime)
}

/// Saves a sign-in's token and says so.
fn save(ctx: &Ctx, client: &Client, token: &str, username: &str, lifetime: i64) -> CliResult<()> {
    let saved = Credentials {
        server: client.server().to_string(),
        token: token.to_string(),
        username: username.to_string(),
        expires_at: Utc::now() + TimeDelta::seconds(lifetime),
    };
    let path = credentials::save(&saved)?;
    ctx.out.either(
        &json!({
            "server": saved.server,
            "username": saved.username,
            "expiresAt": rfc3339(saved.expires_at),
            "credentialsFile": path.display().to_string(),
        }),
        || {
            format!(
                "Signed in to {} as {} until {}.",
                saved.server,
                saved.username,
                format_time(&rfc3339(saved.expires_at))
            )
        },
    );
    Ok(())
}

fn token_request(client: &Client, sign_in: &SignIn) -> CliResult<crate::client::Reply> {
    let mut body = json!({ "username": sign_in.username, "password": sign_in.password });
    if let Some(code) = &sign_in.totp {
        body["totp"] = Value::String(code.trim().to_string());
    }
    client.call(Method::POST, "/stint/v1/auth/token", &[], Some(&body))
}

fn username(args: &LoginArgs) -> CliResult<String> {
    if let Some(name) = args
        .username
        .as_ref()
        .map(|n| n.trim())
        .filter(|n| !n.is_empty())
    {
        return Ok(name.to_string());
    }
    if !interactive() || args.password_stdin {
        return Err(CliError::Usage(
            "Give your user name with --username (there is no terminal to ask on).".into(),
        ));
    }
    eprint!("Username: ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|error| CliError::Other(format!("Cannot read the user name: {error}")))?;
    let name = line.trim().to_string();
    if name.is_empty() {
        return Err(CliError::Usage("A user name is needed to sign in.".into()));
    }
    Ok(name)
}

fn password(args: &LoginArgs) -> CliResult<String> {
    if args.password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|error| {
                CliError::Other(format!("Cannot read the password from stdin: {error}"))
            })?;
        let password = line.trim_end_matches(['\n', '\r']).to_string();
        if password.is_empty() {
            return Err(CliError::Usage(
                "--password-stdin read an empty password; pipe the password in on one line.".into(),
            ));
        }
        return Ok(password);
    }
    if !interactive() {
        return Err(CliError::Usage(
            "There is no terminal to ask for the password on; pipe it in with --password-stdin."
                .into(),
        ));
    }
    rpassword::prompt_password("Password: ")
        .map_err(|error| CliError::Other(format!("Cannot read the password: {error}")))
}

pub fn logout(ctx: &Ctx, _args: LogoutArgs) -> CliResult<()> {
    let saved = credentials::load().unwrap_or(None);
    let Some(saved) = saved else {
        ctx.out.either(
            &json!({ "server": null, "username": null, "signedOut": false }),
            || "You were not signed in.".to_owned(),
        );
        return Ok(());
    };
    // End the token on the server first, then forget it whatever the server said.
    let ended = Client::authenticated(Some(&saved.server))
        .and_then(|client| client.post_empty("/stint/v1/auth/signout"));
    credentials::delete()?;
    match ended {
        Ok(_) | Err(CliError::Auth { .. }) => {}
        Err(error) => {
            return Err(match error {
                CliError::Unreachable { message, .. } => CliError::Unreachable {
                    message: format!("Forgot the saved sign-in, but could not end the token on the server: {message}"),
                    hint: format!(
                        "The token stays valid until {}; sign in and out again when the server is back.",
                        format_time(&rfc3339(saved.expires_at))
                    ),
                },
                other => other,
            });
        }
    }
    ctx.out.either(
        &json!({
            "server": saved.server,
            "username": saved.username,
            "signedOut": true,
        }),
        || format!("Signed out of {} ({}).", saved.server, saved.username),
    );
    Ok(())
}

pub fn whoami(ctx: &Ctx, _args: WhoamiArgs) -> CliResult<()> {
    let client = ctx.client()?;
    let me = client.get("/v1.0/me", &[])?;
    let id = me.get("id").and_then(Value::as_str).unwrap_or_default();
    let roles = client.get_all(&format!("/stint/v1/principals/{id}/roles"), &[])?;
    let expires_at = credentials::load()
        .ok()
        .flatten()
        .filter(|saved| {
            saved.server == client.server() && std::env::var_os("STINT_TOKEN").is_none()
        })
        .map(|saved| rfc3339(saved.expires_at));
    if ctx.out.is_json() {
        ctx.out.json(&json!({
            "id": me.get("id"),
            "displayName": me.get("displayName"),
            "userPrincipalName": me.get("userPrincipalName"),
            "server": client.server(),
            "expiresAt": expires_at,
            "roles": roles,
        }));
        return Ok(());
    }
    let text = |key: &str| {
        me.get(key)
            .and_then(Value::as_str)
            .unwrap_or("-")
            .to_string()
    };
    let mut lines = vec![
        format!(
            "User       {} ({})",
            text("displayName"),
            text("userPrincipalName")
        ),
        format!("Id         {}", text("id")),
        format!("Server     {}", client.server()),
    ];
    if let Some(expires_at) = &expires_at {
        lines.push(format!("Signed in  until {}", format_time(expires_at)));
    }
    ctx.out.line(&lines.join("\n"));
    let mut table = Table::new(&["ROLE", "SCOPE", "VIA GROUP"]);
    for role in &roles {
        table.row(vec![
            role.get("displayName")
                .and_then(Value::as_str)
                .unwrap_or("-")
                .into(),
            role.get("directoryScopeId")
                .and_then(Value::as_str)
                .unwrap_or("/")
                .into(),
            role.pointer("/viaGroup/displayName")
                .and_then(Value::as_str)
                .unwrap_or("-")
                .into(),
        ]);
    }
    ctx.out.line("");
    ctx.out.table(&table, "No directory roles.");
    Ok(())
}
