//! Where Composer reaches the server from outside: the host its auth.json is keyed by and the
//! base of the URLs printed for customers and CI, chosen from the public URL and the listeners.

/// The address customers use: scheme, `host[:port]` (the port only when not the scheme's
/// default, as Composer keys `http-basic` that way) and the base URL without a trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub host: String,
    pub base_url: String,
}

impl Endpoint {
    /// The public URL when set, else the first HTTPS listener, else the first plain one.
    /// `listeners` are URLs (`http://127.0.0.1:8080`, `https://[::]:8443`).
    pub fn choose(public_url: Option<&str>, listeners: &[String]) -> Option<Endpoint> {
        if let Some(url) = public_url {
            return Endpoint::from_url(url.trim_end_matches('/'), false);
        }
        let https = listeners.iter().find(|url| url.starts_with("https://"));
        let first = https.or_else(|| listeners.first())?;
        Endpoint::from_url(first, true)
    }

    /// `wildcard_is_local`: a listener on every address is reached from this machine by its
    /// loopback address; elsewhere it has no one name this program could know.
    fn from_url(url: &str, wildcard_is_local: bool) -> Option<Endpoint> {
        let (scheme, rest) = url.split_once("://")?;
        let (authority, path) = match rest.find('/') {
            Some(at) => rest.split_at(at),
            None => (rest, ""),
        };
        let mut authority = authority.to_string();
        if wildcard_is_local {
            authority = authority
                .replace("0.0.0.0", "127.0.0.1")
                .replace("[::]", "[::1]");
        }
        let default_port = match scheme {
            "https" => ":443",
            _ => ":80",
        };
        let host = authority
            .strip_suffix(default_port)
            .unwrap_or(&authority)
            .to_string();
        if host.is_empty() {
            return None;
        }
        let base_url = format!("{scheme}://{host}{path}");
        Some(Endpoint { host, base_url })
    }

    /// True for 127.x, ::1 and localhost: an address only this machine can use.
    pub fn is_loopback(&self) -> bool {
        let name = match self.host.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or(v6),
            None => self.host.split(':').next().unwrap_or(&self.host),
        };
        let name = name.to_ascii_lowercase();
        name == "localhost" || name.ends_with(".localhost") || name == "::1" || {
            name.starts_with("127.") && name.parse::<std::net::Ipv4Addr>().is_ok()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(list: &[&str]) -> Vec<String> {
        list.iter().map(|u| u.to_string()).collect()
    }

    #[test]
    fn the_public_url_wins_and_its_default_port_is_dropped() {
        let listeners = urls(&["http://127.0.0.1:8080", "https://127.0.0.1:8443"]);
        let chosen = Endpoint::choose(Some("https://packages.example.com:443/"), &listeners);
        let chosen = chosen.unwrap();
        assert_eq!(chosen.host, "packages.example.com");
        assert_eq!(chosen.base_url, "https://packages.example.com");
        assert!(!chosen.is_loopback());
    }

    #[test]
    fn a_public_url_with_a_path_keeps_it_in_the_base_but_not_the_host() {
        let chosen = Endpoint::choose(Some("http://repo.example:8000/php"), &[]).unwrap();
        assert_eq!(chosen.host, "repo.example:8000");
        assert_eq!(chosen.base_url, "http://repo.example:8000/php");
    }

    #[test]
    fn without_a_public_url_https_is_preferred_over_plain() {
        let listeners = urls(&["http://0.0.0.0:8080", "https://0.0.0.0:8443"]);
        let chosen = Endpoint::choose(None, &listeners).unwrap();
        assert_eq!(chosen.host, "127.0.0.1:8443");
        assert_eq!(chosen.base_url, "https://127.0.0.1:8443");
        assert!(chosen.is_loopback());
    }

    #[test]
    fn loopback_is_recognised_in_every_spelling() {
        for (url, loopback) in [
            ("http://[::]:8080", true),
            ("http://localhost:8080", true),
            ("http://127.9.9.9", true),
            ("http://127.example.com", false),
            ("http://192.168.1.5:8080", false),
        ] {
            let chosen = Endpoint::choose(None, &urls(&[url])).unwrap();
            assert_eq!(chosen.is_loopback(), loopback, "{url}");
        }
    }

    #[test]
    fn nothing_to_choose_from_is_none() {
        assert_eq!(Endpoint::choose(None, &[]), None);
    }
}
