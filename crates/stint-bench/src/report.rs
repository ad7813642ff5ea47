//! Figures and the Markdown report.

use std::fmt::Write as _;
use std::time::Duration;

use hdrhistogram::Histogram;

/// Percentiles of a latency distribution, in nanoseconds.
#[derive(Clone, Copy, Debug, Default)]
pub struct Latency {
    pub p50: u64,
    pub p99: u64,
    pub p999: u64,
    pub max: u64,
}

impl Latency {
    pub fn from_histogram(histogram: &Histogram<u64>) -> Latency {
        Latency {
            p50: histogram.value_at_quantile(0.50),
            p99: histogram.value_at_quantile(0.99),
            p999: histogram.value_at_quantile(0.999),
            max: histogram.max(),
        }
    }

    /// From durations (any order).
    pub fn from_durations(durations: &[Duration]) -> Latency {
        let mut histogram =
            Histogram::<u64>::new_with_bounds(1, 600_000_000_000, 3).expect("constant bounds");
        for d in durations {
            histogram.saturating_record(d.as_nanos().max(1) as u64);
        }
        Latency::from_histogram(&histogram)
    }
}

impl Latency {
    /// `p50 / p99`, each with a sensible unit.
    pub fn percentiles(&self) -> String {
        format!("{} / {}", nanos(self.p50), nanos(self.p99))
    }

    /// `p50 / p99 / p99.9`, each with a sensible unit.
    pub fn percentiles_to_p999(&self) -> String {
        format!("{} / {}", self.percentiles(), nanos(self.p999))
    }

    /// `p50 / p99 / max`, each with a sensible unit.
    pub fn percentiles_and_max(&self) -> String {
        format!("{} / {}", self.percentiles(), nanos(self.max))
    }
}

/// A duration in nanoseconds, written with a sensible unit.
pub fn nanos(value: u64) -> String {
    let v = value as f64;
    if v < 1_000.0 {
        format!("{value} ns")
    } else if v < 1_000_000.0 {
        format!("{:.2} µs", v / 1e3)
    } else if v < 1_000_000_000.0 {
        format!("{:.2} ms", v / 1e6)
    } else {
        format!("{:.2} s", v / 1e9)
    }
}

pub fn per_second(value: f64) -> String {
    stint_core::text::thousands(value.round() as u64)
}

/// The resident memory of this process (`VmRSS`), in bytes.
pub fn rss_bytes() -> i64 {
    rss_of("self")
}

/// The resident memory of process `pid` (or `self`), in bytes; 0 when unknown.
pub fn rss_of(pid: &str) -> i64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<i64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

pub fn mib(bytes: i64) -> String {
    format!("{:.0} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// The report: rows of (figure, value per scale), and notes.
#[derive(Debug, Default)]
pub struct Report {
    pub scales: Vec<String>,
    /// (section, figure, goal, values by scale index)
    pub rows: Vec<(String, String, String, Vec<String>)>,
    pub notes: Vec<String>,
}

impl Report {
    pub fn set(&mut self, scale: usize, section: &str, figure: &str, goal: &str, value: String) {
        let width = self.scales.len();
        let row = match self
            .rows
            .iter_mut()
            .position(|r| r.0 == section && r.1 == figure)
        {
            Some(at) => &mut self.rows[at],
            None => {
                self.rows.push((
                    section.to_owned(),
                    figure.to_owned(),
                    goal.to_owned(),
                    vec![String::new(); width],
                ));
                let last = self.rows.len() - 1;
                &mut self.rows[last]
            }
        };
        if row.3.len() < width {
            row.3.resize(width, String::new());
        }
        row.3[scale] = value;
        if !goal.is_empty() {
            goal.clone_into(&mut row.2);
        }
    }

    pub fn note(&mut self, note: String) {
        println!("note: {note}");
        self.notes.push(note);
    }

    pub fn markdown(&self, header: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{header}");
        let _ = write!(out, "| | figure |");
        for scale in &self.scales {
            let _ = write!(out, " {scale} |");
        }
        let _ = writeln!(out, " goal (at full scale) |");
        let _ = write!(out, "|---|---|");
        for _ in &self.scales {
            let _ = write!(out, "---|");
        }
        let _ = writeln!(out, "---|");
        for (section, figure, goal, values) in &self.rows {
            let _ = write!(out, "| {section} | {figure} |");
            for v in values {
                let _ = write!(out, " {v} |");
            }
            let _ = writeln!(out, " {goal} |");
        }
        if !self.notes.is_empty() {
            let _ = writeln!(out, "\nNotes from the run:\n");
            for n in &self.notes {
                let _ = writeln!(out, "- {n}");
            }
        }
        out
    }
}
