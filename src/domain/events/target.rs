//! Where a webhook may be sent: public addresses, and the hosts or ranges an admin allowed, so an
//! integrator cannot make the server probe its own network.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why an address is out of a webhook's reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reserved {
    Loopback,
    LinkLocal,
    Private,
    Multicast,
    Unspecified,
    Broadcast,
}

impl fmt::Display for Reserved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Reserved::Loopback => "loopback",
            Reserved::LinkLocal => "link-local",
            Reserved::Private => "private",
            Reserved::Multicast => "multicast",
            Reserved::Unspecified => "unspecified",
            Reserved::Broadcast => "broadcast",
        })
    }
}

/// The reserved range `ip` lies in, if any; IPv6 forms that carry an IPv4 address (mapped,
/// compatible, NAT64) are judged by that address.
pub fn reserved(ip: IpAddr) -> Option<Reserved> {
    match ip {
        IpAddr::V4(v4) => reserved_v4(v4),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => reserved_v4(v4),
            None => reserved_v6(v6),
        },
    }
}

fn reserved_v4(ip: Ipv4Addr) -> Option<Reserved> {
    let [a, b, ..] = ip.octets();
    if ip.is_unspecified() || a == 0 {
        Some(Reserved::Unspecified)
    } else if ip.is_loopback() {
        Some(Reserved::Loopback)
    } else if ip.is_link_local() {
        Some(Reserved::LinkLocal)
    } else if ip.is_private() || (a == 100 && (64..128).contains(&b)) {
        // RFC 1918, and the carrier-grade NAT range (RFC 6598) that sits inside providers.
        Some(Reserved::Private)
    } else if ip.is_multicast() {
        Some(Reserved::Multicast)
    } else if ip.is_broadcast() {
        Some(Reserved::Broadcast)
    } else {
        None
    }
}

fn reserved_v6(ip: Ipv6Addr) -> Option<Reserved> {
    let first = ip.segments()[0];
    if ip.is_unspecified() {
        Some(Reserved::Unspecified)
    } else if ip.is_loopback() {
        Some(Reserved::Loopback)
    } else if first & 0xffc0 == 0xfe80 {
        Some(Reserved::LinkLocal)
    } else if first & 0xfe00 == 0xfc00 || first & 0xffc0 == 0xfec0 {
        // Unique local addresses, and the site-local ones they replaced.
        Some(Reserved::Private)
    } else if ip.is_multicast() {
        Some(Reserved::Multicast)
    } else {
        None
    }
}

/// The IPv4 address an IPv6 address stands for: `::ffff:a.b.c.d`, `::a.b.c.d`, `64:ff9b::a.b.c.d`.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let tail = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    let mapped = s[..5] == [0; 5] && s[5] == 0xffff;
    // `::` and `::1` are IPv6's own unspecified and loopback addresses, not IPv4 ones.
    let compatible = s[..6] == [0; 6] && (s[6] != 0 || s[7] > 1);
    let nat64 = s[..6] == [0x64, 0xff9b, 0, 0, 0, 0];
    (mapped || compatible || nat64).then_some(tail)
}

/// Hosts and ranges an admin allowed webhooks to reach although they are reserved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Allowed {
    hosts: Vec<String>,
    ranges: Vec<(IpAddr, u8)>,
}

impl Allowed {
    /// Reads entries such as `hooks.internal`, `10.20.0.0/16`, `127.0.0.1` or `fd00::/8`.
    pub fn parse(entries: &[String]) -> Result<Allowed, String> {
        let mut allowed = Allowed::default();
        for entry in entries.iter().map(|e| e.trim()).filter(|e| !e.is_empty()) {
            let (address, bits) = match entry.split_once('/') {
                Some((address, bits)) => (address, Some(bits)),
                None => (entry, None),
            };
            match (address.parse::<IpAddr>(), bits) {
                (Ok(ip), bits) => {
                    let width = if ip.is_ipv4() { 32 } else { 128 };
                    let bits = match bits {
                        None => width,
                        Some(b) => {
                            b.parse::<u8>()
                                .ok()
                                .filter(|b| *b <= width)
                                .ok_or_else(|| {
                                    format!("{entry:?}: the prefix length runs from 0 to {width}")
                                })?
                        }
                    };
                    allowed.ranges.push((ip, bits));
                }
                (Err(_), None) if valid_host(entry) => {
                    allowed.hosts.push(entry.to_ascii_lowercase())
                }
                _ => {
                    return Err(format!(
                        "{entry:?} is neither a host name nor an address range"
                    ));
                }
            }
        }
        Ok(allowed)
    }

    fn allows_host(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.');
        self.hosts.iter().any(|h| h.eq_ignore_ascii_case(host))
    }

    fn allows_ip(&self, ip: IpAddr) -> bool {
        self.ranges
            .iter()
            .any(|(range, bits)| contains(*range, *bits, ip))
    }
}

fn valid_host(host: &str) -> bool {
    host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

fn contains(range: IpAddr, bits: u8, ip: IpAddr) -> bool {
    match (range, ip) {
        (IpAddr::V4(r), IpAddr::V4(i)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(r) & mask == u32::from(i) & mask
        }
        (IpAddr::V6(r), IpAddr::V6(i)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(r) & mask == u128::from(i) & mask
        }
        _ => false,
    }
}

/// Why a webhook target was refused, said without the addresses it resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub range: Reserved,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the host resolves to a {} address, which webhooks may not reach unless an admin allows it (--webhook-allow)",
            self.range
        )
    }
}

/// Whether `host`, resolved to `addresses`, may be called: every address must be public or
/// allowed, since the connection may use any of them.
pub fn vet(host: &str, addresses: &[IpAddr], allowed: &Allowed) -> Result<(), Refusal> {
    if allowed.allows_host(host) {
        return Ok(());
    }
    for ip in addresses {
        if let Some(range) = reserved(*ip)
            && !allowed.allows_ip(*ip)
        {
            return Err(Refusal { range });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn every_reserved_range_is_named_in_both_families_and_in_mapped_forms() {
        for (address, range) in [
            ("127.0.0.1", Reserved::Loopback),
            ("127.255.0.9", Reserved::Loopback),
            ("::1", Reserved::Loopback),
            ("::ffff:127.0.0.1", Reserved::Loopback),
            ("169.254.169.254", Reserved::LinkLocal),
            ("fe80::1", Reserved::LinkLocal),
            ("::ffff:169.254.169.254", Reserved::LinkLocal),
            ("10.1.2.3", Reserved::Private),
            ("172.16.0.1", Reserved::Private),
            ("172.31.255.255", Reserved::Private),
            ("192.168.0.10", Reserved::Private),
            ("100.64.0.1", Reserved::Private),
            ("fd12:3456::1", Reserved::Private),
            ("fec0::1", Reserved::Private),
            ("::ffff:10.0.0.1", Reserved::Private),
            ("::10.0.0.1", Reserved::Private),
            ("64:ff9b::192.168.1.1", Reserved::Private),
            ("224.0.0.251", Reserved::Multicast),
            ("ff02::1", Reserved::Multicast),
            ("0.0.0.0", Reserved::Unspecified),
            ("0.1.2.3", Reserved::Unspecified),
            ("::", Reserved::Unspecified),
            ("::ffff:0.0.0.0", Reserved::Unspecified),
            ("255.255.255.255", Reserved::Broadcast),
        ] {
            assert_eq!(reserved(ip(address)), Some(range), "{address}");
        }
        for public in [
            "93.184.216.34",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700::1111",
            "::ffff:93.184.216.34",
        ] {
            assert_eq!(reserved(ip(public)), None, "{public}");
        }
    }

    #[test]
    fn one_reserved_address_among_public_ones_refuses_the_host() {
        let none = Allowed::default();
        assert!(vet("hooks.example.com", &[ip("93.184.216.34")], &none).is_ok());
        let refused = vet(
            "hooks.example.com",
            &[ip("93.184.216.34"), ip("10.0.0.7")],
            &none,
        );
        assert_eq!(
            refused,
            Err(Refusal {
                range: Reserved::Private
            })
        );
        assert!(!refused.unwrap_err().to_string().contains("10.0.0.7"));
    }

    #[test]
    fn an_admin_allows_named_hosts_and_ranges_and_nothing_else() {
        let allowed =
            Allowed::parse(&["Hooks.Internal".into(), "10.20.0.0/16".into(), "::1".into()])
                .unwrap();
        assert!(vet("hooks.internal.", &[ip("10.9.9.9")], &allowed).is_ok());
        assert!(vet("other.internal", &[ip("10.20.3.4")], &allowed).is_ok());
        assert!(vet("other.internal", &[ip("10.21.0.1")], &allowed).is_err());
        assert!(vet("localhost", &[ip("::1")], &allowed).is_ok());
        assert!(vet("localhost", &[ip("127.0.0.1")], &allowed).is_err());
        assert!(Allowed::parse(&["10.0.0.0/33".into()]).is_err());
        assert!(Allowed::parse(&["http://x".into()]).is_err());
        assert!(
            Allowed::parse(&["0.0.0.0/0".into()])
                .unwrap()
                .allows_ip(ip("10.0.0.1"))
        );
    }
}
