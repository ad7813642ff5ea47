//! The HTTP check under load: `wrk` (a second process) drives `GET /stint/v1/check`, rotating
//! through the questions of the in-process benchmark, with an administrator's token.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context};

use crate::inproc::Query;

/// What one `wrk` run measured.
#[derive(Clone, Debug)]
pub struct WrkResult {
    pub requests_per_second: f64,
    /// Latency percentiles in nanoseconds (50, 90, 99).
    pub p50: u64,
    pub p90: u64,
    pub p99: u64,
    pub errors: u64,
    pub requests: u64,
}

const SCRIPT: &str = r#"
local paths = {}
local next_path = 1
function init(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  wrk.headers["Authorization"] = "Bearer " .. args[2]
  next_path = math.random(#paths)
end
function request()
  next_path = next_path % #paths + 1
  return wrk.format("GET", paths[next_path])
end
"#;

/// Writes the script and the request paths (one a line) into `dir`.
pub fn prepare(dir: &Path, queries: &[Query]) -> anyhow::Result<()> {
    std::fs::write(dir.join("check.lua"), SCRIPT)?;
    let mut paths = String::new();
    for q in queries.iter().take(20_000) {
        paths.push_str(&format!(
            "/stint/v1/check?principalId={}&groupId={}\n",
            q.principal, q.group
        ));
    }
    std::fs::write(dir.join("paths.txt"), paths)?;
    Ok(())
}

pub fn run(
    dir: &Path,
    base: &str,
    token: &str,
    threads: u32,
    connections: u32,
    seconds: u32,
) -> anyhow::Result<WrkResult> {
    let output = Command::new("wrk")
        .arg(format!("-t{threads}"))
        .arg(format!("-c{connections}"))
        .arg(format!("-d{seconds}s"))
        .arg("--latency")
        .arg("-s")
        .arg(dir.join("check.lua"))
        .arg(base)
        .arg("--")
        .arg(dir.join("paths.txt"))
        .arg(token)
        .output()
        .context("running wrk (apt-get install -y wrk)")?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        bail!(
            "wrk failed: {text}{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    std::fs::write(dir.join(format!("wrk-c{connections}.txt")), &text)?;
    parse(&text, threads, connections, seconds)
}

fn parse(text: &str, threads: u32, connections: u32, seconds: u32) -> anyhow::Result<WrkResult> {
    let _ = (threads, connections, seconds);
    let mut result = WrkResult {
        requests_per_second: 0.0,
        p50: 0,
        p90: 0,
        p99: 0,
        errors: 0,
        requests: 0,
    };
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["Requests/sec:", value] => result.requests_per_second = value.parse()?,
            ["50%", value] => result.p50 = duration(value)?,
            ["90%", value] => result.p90 = duration(value)?,
            ["99%", value] => result.p99 = duration(value)?,
            ["Non-2xx", "or", "3xx", "responses:", n] => result.errors += n.parse::<u64>()?,
            [n, "requests", "in", ..] => result.requests = n.parse()?,
            ["Socket", "errors:", rest @ ..] => {
                for word in rest {
                    if let Ok(n) = word.trim_end_matches(',').parse::<u64>() {
                        result.errors += n;
                    }
                }
            }
            _ => {}
        }
    }
    if result.requests_per_second == 0.0 {
        bail!("could not read wrk's output: {text}");
    }
    Ok(result)
}

/// `245.00us`, `1.20ms`, `2.00s` in nanoseconds.
fn duration(text: &str) -> anyhow::Result<u64> {
    let (number, scale) = if let Some(n) = text.strip_suffix("us") {
        (n, 1e3)
    } else if let Some(n) = text.strip_suffix("ms") {
        (n, 1e6)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1e9)
    } else {
        bail!("not a wrk duration: {text}")
    };
    Ok((number.parse::<f64>()? * scale) as u64)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn wrk_output_is_read() {
        let text = "Running 10s test @ http://127.0.0.1:8080
  1 threads and 32 connections
  Latency Distribution
     50%  245.00us
     75%  400.00us
     90%  800.00us
     99%    1.20ms
  520000 requests in 10.00s, 100.00MB read
  Non-2xx or 3xx responses: 3
Requests/sec:  52000.12
";
        let r = parse(text, 1, 32, 10).unwrap();
        assert_eq!(r.p50, 245_000);
        assert_eq!(r.p99, 1_200_000);
        assert_eq!(r.errors, 3);
        assert_eq!(r.requests, 520_000);
        assert!((r.requests_per_second - 52000.12).abs() < 0.01);
    }
}
