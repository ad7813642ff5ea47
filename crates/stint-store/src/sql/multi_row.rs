//! Single-row `INSERT … VALUES (…)` statements written for several rows at once, so that a group
//! commit's rows of one kind reach the database in a few statements instead of one each: every
//! statement is a round trip to the driver (ADR 0017).

use crate::StoreError;

/// The row counts a statement is written for, largest first: a batch is cut into chunks of these
/// sizes, so that each adapter prepares (and caches) a few statements, not one per batch size.
pub const CHUNK_SIZES: [usize; 4] = [64, 16, 4, 1];

/// How many prepared statements an adapter's connection keeps: all of the store's, with the
/// multi-row forms of those a batch writes (the drivers' default of 100 would evict some).
pub const PREPARED_STATEMENTS: usize = 256;

/// `sql`, a single-row `INSERT … VALUES (…) …` whose parameters all stand in the `VALUES` tuple,
/// written for `rows` rows: the tuple repeated, its parameters numbered on where the dialect
/// numbers them (`parameter`, as in [`Statements::parameter`](super::Statements::parameter)).
pub fn multi_row(
    sql: &str,
    rows: usize,
    parameter: fn(usize) -> String,
) -> Result<String, StoreError> {
    let unsuitable = |why: &str| {
        StoreError::Backend(format!(
            "a statement cannot be written for several rows ({why}): {sql}"
        ))
    };
    let (start, end) = values_tuple(sql).ok_or_else(|| unsuitable("no VALUES tuple"))?;
    let style = Placeholders::of(parameter);
    let tuple = &sql[start..end];
    let per_row = style.count(tuple);
    if per_row == 0 || per_row != style.count(sql) {
        return Err(unsuitable("parameters outside its VALUES tuple"));
    }
    let tuples: Vec<String> = (0..rows)
        .map(|row| style.renumber(tuple, row * per_row, parameter))
        .collect();
    Ok(format!(
        "{}{}{}",
        &sql[..start],
        tuples.join(", "),
        &sql[end..]
    ))
}

/// The byte range of the parenthesised tuple after `VALUES`, parentheses included.
fn values_tuple(sql: &str) -> Option<(usize, usize)> {
    let after_values = sql.find("VALUES")? + "VALUES".len();
    let start = after_values + sql[after_values..].find('(')?;
    let mut depth = 0usize;
    let mut quoted = false;
    for (offset, character) in sql[start..].char_indices() {
        match character {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => {
                depth -= 1;
                if depth == 0 {
                    return Some((start, start + offset + 1));
                }
            }
            _ => {}
        }
    }
    None
}

/// How a dialect writes its parameters: SQLite's `?` each, or PostgreSQL's `$1`, `$2`, ….
enum Placeholders {
    Anonymous(String),
    Numbered(String),
}

impl Placeholders {
    fn of(parameter: fn(usize) -> String) -> Placeholders {
        let first = parameter(1);
        if first == parameter(2) {
            Placeholders::Anonymous(first)
        } else {
            Placeholders::Numbered(first.trim_end_matches('1').to_owned())
        }
    }

    /// How many parameters `sql` binds.
    fn count(&self, sql: &str) -> usize {
        match self {
            Placeholders::Anonymous(mark) => unquoted(sql).matches(mark.as_str()).count(),
            Placeholders::Numbered(prefix) => numbered(sql, prefix)
                .map(|(_, _, number)| number)
                .max()
                .unwrap_or(0),
        }
    }

    /// `tuple` with each parameter moved on by `offset`.
    fn renumber(&self, tuple: &str, offset: usize, parameter: fn(usize) -> String) -> String {
        match self {
            Placeholders::Anonymous(_) => tuple.to_owned(),
            Placeholders::Numbered(prefix) => {
                let mut written = String::with_capacity(tuple.len() + 8);
                let mut copied = 0;
                for (start, end, number) in numbered(tuple, prefix) {
                    written.push_str(&tuple[copied..start]);
                    written.push_str(&parameter(number + offset));
                    copied = end;
                }
                written.push_str(&tuple[copied..]);
                written
            }
        }
    }
}

/// `sql` without its quoted literals.
fn unquoted(sql: &str) -> String {
    sql.split('\'').step_by(2).collect()
}

/// Each `prefix` followed by digits in `sql`: its byte range and number.
fn numbered<'a>(sql: &'a str, prefix: &'a str) -> impl Iterator<Item = (usize, usize, usize)> + 'a {
    sql.match_indices(prefix).filter_map(move |(start, _)| {
        let digits_start = start + prefix.len();
        let digits = sql[digits_start..]
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
        let end = digits_start + digits;
        sql[digits_start..end]
            .parse()
            .ok()
            .map(|number| (start, end, number))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question_mark(_: usize) -> String {
        "?".to_owned()
    }

    fn dollar(number: usize) -> String {
        format!("${number}")
    }

    #[test]
    fn anonymous_parameters_repeat_the_tuple_with_its_constants() {
        let sql =
            "INSERT INTO outbox (id, state, at) VALUES (?, 'pending', ?) ON CONFLICT DO NOTHING";
        assert_eq!(
            multi_row(sql, 3, question_mark).unwrap(),
            "INSERT INTO outbox (id, state, at) VALUES (?, 'pending', ?), (?, 'pending', ?), \
             (?, 'pending', ?) ON CONFLICT DO NOTHING"
        );
    }

    #[test]
    fn numbered_parameters_are_numbered_on_row_after_row() {
        let sql = "INSERT INTO groups (id, doc) VALUES ($1, $2::json)
    ON CONFLICT (id) DO UPDATE SET doc = excluded.doc";
        assert_eq!(
            multi_row(sql, 3, dollar).unwrap(),
            "INSERT INTO groups (id, doc) VALUES ($1, $2::json), ($3, $4::json), ($5, $6::json)
    ON CONFLICT (id) DO UPDATE SET doc = excluded.doc"
        );
        let twelve = "INSERT INTO t (a, b, c, d, e, f, g, h, i, j, k, l) \
                      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
        assert!(multi_row(twelve, 2, dollar)
            .unwrap()
            .ends_with("($13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)"));
    }

    #[test]
    fn a_statement_with_parameters_outside_its_tuple_is_refused() {
        let sql = "INSERT INTO t (a) VALUES ($1) ON CONFLICT (a) DO UPDATE SET b = $2";
        assert!(multi_row(sql, 2, dollar).is_err());
        assert!(multi_row("UPDATE revision SET revision = ?", 2, question_mark).is_err());
    }
}
