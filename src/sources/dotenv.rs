//! `~/.openclaw/.env` (and `~/.config/openclaw/gateway.env`): KEY=VALUE lines
//! parsed like the `dotenv` package OpenClaw uses. Values are not expanded.

use clawwatch_core::secret::Secret;

/// Parse dotenv text into (key, value) pairs in file order.
pub fn parse(text: &str) -> Vec<(String, Secret)> {
    let mut out = Vec::new();
    for raw in text.lines() {
        let line = raw.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line
            .strip_prefix("export ")
            .map(str::trim_start)
            .unwrap_or(line);
        let Some(eq) = line.find(['=', ':']) else {
            continue;
        };
        let (key, rest) = (line[..eq].trim(), &line[eq + 1..]);
        if key.is_empty()
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-')
        {
            continue;
        }
        let rest = rest.trim();
        let value = match rest.chars().next() {
            Some(q @ ('"' | '\'' | '`')) => match rest[1..].find(q) {
                Some(end) => {
                    let inner = &rest[1..1 + end];
                    if q == '"' {
                        inner.replace("\\n", "\n").replace("\\r", "\r")
                    } else {
                        inner.to_string()
                    }
                }
                None => rest.to_string(),
            },
            _ => match rest.find(" #").or_else(|| rest.find("\t#")) {
                Some(i) => rest[..i].trim().to_string(),
                None if rest.starts_with('#') => String::new(),
                None => rest.to_string(),
            },
        };
        out.push((key.to_string(), Secret::new(value)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_dotenv_dialect() {
        let text = "# comment\nexport A=1\nB = 'two words' \nC=\"x\\ny\"\nD=plain # trailing\nE=\nbad line\n";
        let got: Vec<(String, String)> = parse(text)
            .into_iter()
            .map(|(k, v)| (k, v.expose().to_string()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("A".into(), "1".into()),
                ("B".into(), "two words".into()),
                ("C".into(), "x\ny".into()),
                ("D".into(), "plain".into()),
                ("E".into(), "".into()),
            ]
        );
    }
}
