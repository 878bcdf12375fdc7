//! Secrets: `${VAR}` expansion from the environment, and the display form of URLs.
//!
//! Architecture invariant: this is the one place secrets are handled. Expanded
//! values go into the plans requests are built from and nowhere else; whatever may
//! be shown is the [`display_url`] of the unexpanded template, so neither a
//! password in a URL nor the value of a `${VAR}` can reach a report or a log line.

use anyhow::{anyhow, bail};

/// A URL (or URL template) as it may be shown: user name and password removed,
/// and query parameters that carry credentials (`password`, `sslpassword`, `token`,
/// `secret`, ... as database URLs allow) replaced by `***`. `${VAR}` placeholders
/// stay as written, so expanded secrets never appear.
pub fn display_url(raw: &str) -> String {
    let Some(scheme_end) = raw.find("://") else { return redact_query(raw) };
    let rest = &raw[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let without_user = match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}://{}", &raw[..scheme_end], &rest[at + 1..]),
        None => raw.to_string(),
    };
    redact_query(&without_user)
}

/// Replaces the values of credential-bearing query parameters with `***`.
fn redact_query(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else { return url.to_string() };
    let (query, fragment) = match query.split_once('#') {
        Some((q, f)) => (q, Some(f)),
        None => (query, None),
    };
    let secret = |name: &str| {
        let name = name.to_ascii_lowercase();
        ["pass", "pwd", "token", "secret", "key"].iter().any(|word| name.contains(word))
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if secret(name) => format!("{name}=***"),
            _ => pair.to_string(),
        })
        .collect();
    let mut out = format!("{base}?{}", pairs.join("&"));
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

/// Replaces every `${NAME}` with the environment variable NAME; an unset variable is an error.
pub fn expand_env(text: &str) -> anyhow::Result<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}').ok_or_else(|| anyhow!("`${{` without a closing `}}`"))?;
        let name = &after[..end];
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            bail!("`${{{name}}}` is not a valid environment variable reference");
        }
        let value = std::env::var(name).map_err(|_| anyhow!("environment variable {name} is not set"))?;
        out.push_str(&value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_never_reach_the_display_form() {
        assert_eq!(display_url("http://alice:s3cret@127.0.0.1:8080/api?x=1"), "http://127.0.0.1:8080/api?x=1");
        assert_eq!(display_url("https://host/path@v2"), "https://host/path@v2");
        assert_eq!(
            display_url("postgres://db:5432/shop?sslmode=require&password=hunter2&application_name=x"),
            "postgres://db:5432/shop?sslmode=require&password=***&application_name=x"
        );
        assert_eq!(display_url("http://h/p?api_key=abc#top"), "http://h/p?api_key=***#top");
    }

    #[test]
    fn env_expansion_names_the_missing_variable() {
        std::env::set_var("PERFPROOF_TEST_TOKEN", "abc");
        assert_eq!(expand_env("Bearer ${PERFPROOF_TEST_TOKEN}!").unwrap(), "Bearer abc!");
        let err = expand_env("${PERFPROOF_SURELY_UNSET}").unwrap_err().to_string();
        assert!(err.contains("PERFPROOF_SURELY_UNSET"), "{err}");
        assert!(expand_env("${oops").is_err());
    }
}
