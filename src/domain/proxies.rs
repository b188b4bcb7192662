//! Who the client really is when the server sits behind a reverse proxy. Forwarding headers are
//! believed only from peers the operator listed; anyone else could write them, so for everyone
//! else the connection's own address and scheme are the truth.

use ipnet::IpNet;
use std::net::IpAddr;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

/// The forwarding headers of one request, each header's values joined with ", ".
#[derive(Debug, Clone, Copy, Default)]
pub struct Forwarding<'a> {
    pub forwarded: Option<&'a str>,
    pub x_forwarded_for: Option<&'a str>,
    pub x_forwarded_proto: Option<&'a str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Client {
    pub ip: IpAddr,
    pub https: bool,
}

/// The addresses a token may be used from; empty: anywhere.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressAllowlist {
    nets: Vec<IpNet>,
    /// Set when entries were given, even if none could be read: a list that lost its entries
    /// must let nobody in rather than everybody.
    restricted: bool,
}

/// A CIDR (`10.0.0.0/8`) or a single address (`127.0.0.1`).
fn parse_net(entry: &str) -> Result<IpNet, String> {
    let entry = entry.trim();
    entry
        .parse::<IpNet>()
        .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
        .map(|net| net.trunc())
        .map_err(|_| format!("{entry:?} is not an address or CIDR"))
}

impl AddressAllowlist {
    /// Checks operator input and gives each entry its canonical form (`10.1.2.3/8` becomes
    /// `10.0.0.0/8`), the form stored on the token.
    pub fn canonical(entries: &[String]) -> Result<Vec<String>, String> {
        let mut nets = entries
            .iter()
            .map(|entry| parse_net(entry).map(|net| net.to_string()))
            .collect::<Result<Vec<_>, _>>()?;
        nets.sort();
        nets.dedup();
        Ok(nets)
    }

    /// From the stored form; an entry that cannot be read lets nobody in.
    pub fn from_stored(entries: &[String]) -> AddressAllowlist {
        AddressAllowlist {
            nets: entries.iter().filter_map(|e| parse_net(e).ok()).collect(),
            restricted: !entries.is_empty(),
        }
    }

    /// `None` (the address is not known) passes only an unrestricted token.
    pub fn permits(&self, ip: Option<IpAddr>) -> bool {
        if !self.restricted {
            return true;
        }
        ip.map(|ip| ip.to_canonical())
            .is_some_and(|ip| self.nets.iter().any(|net| net.contains(&ip)))
    }
}

impl TrustedProxies {
    /// CIDRs (`10.0.0.0/8`) or single addresses (`127.0.0.1`).
    pub fn parse(entries: &[String]) -> Result<TrustedProxies, String> {
        entries
            .iter()
            .map(|entry| parse_net(entry))
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client behind any trusted proxies. The chain is read right to left (nearest hop
    /// first) and stops at the first address not trusted: everything left of it was written by
    /// someone we do not trust.
    pub fn resolve(&self, peer: IpAddr, peer_https: bool, headers: Forwarding<'_>) -> Client {
        let direct = Client {
            ip: peer,
            https: peer_https,
        };
        if !self.contains(peer) {
            return direct;
        }
        let (chain, proto) = match headers.forwarded {
            Some(forwarded) => parse_forwarded(forwarded),
            None => (
                headers
                    .x_forwarded_for
                    .map(|v| v.split(',').filter_map(parse_node).collect())
                    .unwrap_or_default(),
                headers
                    .x_forwarded_proto
                    .and_then(|v| v.split(',').next_back())
                    .map(|v| v.trim().to_ascii_lowercase()),
            ),
        };
        let mut client = peer;
        for hop in chain.iter().rev() {
            client = *hop;
            if !self.contains(*hop) {
                break;
            }
        }
        let https = match proto.as_deref() {
            Some("https") => true,
            Some("http") => false,
            _ => peer_https,
        };
        Client { ip: client, https }
    }
}

/// RFC 7239: `for=192.0.2.1;proto=https, for="[2001:db8::1]:4711"`. The scheme is the one the
/// nearest proxy saw from its client, i.e. the last element that names one.
fn parse_forwarded(value: &str) -> (Vec<IpAddr>, Option<String>) {
    let mut chain = Vec::new();
    let mut proto = None;
    for element in value.split(',') {
        for pair in element.split(';') {
            let Some((key, raw)) = pair.split_once('=') else {
                continue;
            };
            let raw = raw.trim().trim_matches('"');
            match key.trim().to_ascii_lowercase().as_str() {
                "for" => chain.extend(parse_node(raw)),
                "proto" => proto = Some(raw.to_ascii_lowercase()),
                _ => {}
            }
        }
    }
    (chain, proto)
}

/// An address as proxies write it: `1.2.3.4`, `1.2.3.4:80`, `[::1]`, `[::1]:80`, `::1`.
fn parse_node(raw: &str) -> Option<IpAddr> {
    let raw = raw.trim().trim_matches('"');
    if let Ok(ip) = raw.parse() {
        return Some(ip);
    }
    if let Some(rest) = raw.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    raw.rsplit_once(':')?.0.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies(list: &[&str]) -> TrustedProxies {
        TrustedProxies::parse(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn headers_from_an_untrusted_peer_are_ignored() {
        let headers = Forwarding {
            x_forwarded_for: Some("6.6.6.6"),
            x_forwarded_proto: Some("https"),
            ..Forwarding::default()
        };
        let client = proxies(&["10.0.0.0/8"]).resolve(ip("192.0.2.9"), false, headers);
        assert_eq!(
            client,
            Client {
                ip: ip("192.0.2.9"),
                https: false
            }
        );
    }

    #[test]
    fn a_trusted_proxy_names_the_client_and_scheme() {
        let headers = Forwarding {
            x_forwarded_for: Some("203.0.113.7, 10.0.0.2"),
            x_forwarded_proto: Some("https"),
            ..Forwarding::default()
        };
        let client = proxies(&["10.0.0.0/8"]).resolve(ip("10.0.0.1"), false, headers);
        assert_eq!(
            client,
            Client {
                ip: ip("203.0.113.7"),
                https: true
            }
        );
    }

    #[test]
    fn a_spoofed_left_part_of_the_chain_is_not_believed() {
        let headers = Forwarding {
            x_forwarded_for: Some("1.1.1.1, 198.51.100.4"),
            ..Forwarding::default()
        };
        let client = proxies(&["127.0.0.1"]).resolve(ip("127.0.0.1"), false, headers);
        assert_eq!(client.ip, ip("198.51.100.4"));
    }

    #[test]
    fn the_standard_forwarded_header_is_understood() {
        let headers = Forwarding {
            forwarded: Some("for=\"[2001:db8::1]:4711\";proto=https;by=10.0.0.1"),
            x_forwarded_for: Some("9.9.9.9"),
            ..Forwarding::default()
        };
        let client = proxies(&["::1/128"]).resolve(ip("::1"), false, headers);
        assert_eq!(
            client,
            Client {
                ip: ip("2001:db8::1"),
                https: true
            }
        );
    }

    #[test]
    fn ipv4_mapped_peers_match_ipv4_ranges() {
        assert!(proxies(&["127.0.0.0/8"]).contains(ip("::ffff:127.0.0.1")));
    }

    #[test]
    fn an_allowlist_admits_only_its_networks() {
        let entries = vec!["203.0.113.7".to_string(), "10.1.2.3/8".to_string()];
        let stored = AddressAllowlist::canonical(&entries).unwrap();
        assert_eq!(stored, vec!["10.0.0.0/8", "203.0.113.7/32"]);
        let list = AddressAllowlist::from_stored(&stored);
        assert!(list.permits(Some(ip("10.200.0.1"))));
        assert!(list.permits(Some(ip("::ffff:203.0.113.7"))));
        assert!(!list.permits(Some(ip("203.0.113.8"))));
        assert!(!list.permits(None));
        assert!(AddressAllowlist::from_stored(&[]).permits(None));
        assert!(AddressAllowlist::canonical(&["office".to_string()]).is_err());
    }

    #[test]
    fn an_allowlist_whose_entries_cannot_be_read_admits_nobody() {
        let list = AddressAllowlist::from_stored(&["garbage".to_string()]);
        assert!(!list.permits(Some(ip("10.0.0.1"))));
    }
}
