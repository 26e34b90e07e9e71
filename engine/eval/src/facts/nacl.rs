//! Network ACL rule order: entries normalised and sorted the way AWS
//! evaluates them (per direction, lowest rule number first), and the ports
//! of interest an allow entry actually opens because no earlier entry
//! already decides that traffic.

use palisade_model::ec2::NetworkAclEntry;

use super::cidr::Cidr;
use super::ports::{normalise_protocol, range_is_all_ports};

/// One NACL entry with its protocol, ports and CIDR read.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    /// The entry as collected.
    pub entry: &'a NetworkAclEntry,
    /// Normalised protocol (see [`normalise_protocol`]).
    pub protocol: String,
    /// First port (-1 when the entry is not tcp/udp with a range).
    pub from: i64,
    /// Last port (-1 when the entry is not tcp/udp with a range).
    pub to: i64,
    /// The IPv4 or IPv6 range, when the entry has one.
    pub cidr: Option<Cidr>,
}

impl<'a> Entry<'a> {
    /// Reads an entry; `Err` carries the CIDR text that does not parse.
    pub fn read(e: &'a NetworkAclEntry) -> Result<Self, &'a str> {
        let text = e.cidr_block.as_deref().or(e.ipv6_cidr_block.as_deref());
        let cidr = text.and_then(Cidr::parse);
        if let (Some(text), None) = (text, cidr) {
            return Err(text);
        }
        let protocol = normalise_protocol(&e.protocol);
        let (from, to) = match (&protocol[..], e.port_range) {
            ("tcp" | "udp", Some(r)) => (r.from, r.to),
            _ => (-1, -1),
        };
        Ok(Self {
            entry: e,
            protocol,
            from,
            to,
            cidr,
        })
    }

    /// True when the entry matches traffic to port `p` (of some protocol).
    pub fn covers(&self, p: i64) -> bool {
        match &self.protocol[..] {
            "all" => true,
            "tcp" | "udp" => self.from < 0 || self.to < 0 || (p >= self.from && p <= self.to),
            _ => false,
        }
    }

    /// True when the entry covers every port: protocol `all`, or a range
    /// that is all ports by [`range_is_all_ports`] (`1-65535` included).
    pub fn all_ports(&self) -> bool {
        self.protocol == "all" || range_is_all_ports(self.from, self.to)
    }

    /// The CIDR's prefix length, -1 without one.
    pub fn prefix_length(&self) -> i64 {
        self.cidr.map_or(-1, |c| i64::from(c.prefix_len()))
    }
}

/// Sorts entries in evaluation order: ingress before egress, then by rule
/// number (stable for equal keys).
pub fn sort_in_rule_order(entries: &mut [Entry<'_>]) {
    entries.sort_by_key(|e| (e.entry.egress, e.entry.rule_number));
}

/// The `ports_of_interest` that entry `idx` of `entries` (in rule order)
/// opens: none for a deny entry; for an allow entry, the covered ports for
/// which TCP or UDP traffic from the entry's range is not decided by an
/// earlier entry of the same direction whose range contains it.
pub fn reachable_ports(entries: &[Entry<'_>], idx: usize, ports_of_interest: &[i64]) -> Vec<i64> {
    let Some(e) = entries.get(idx) else {
        return Vec::new();
    };
    if !e.entry.rule_action.eq_ignore_ascii_case("allow") {
        return Vec::new();
    }
    let protos: Vec<&str> = if e.protocol == "all" {
        vec!["tcp", "udp"]
    } else {
        vec![e.protocol.as_str()]
    };
    ports_of_interest
        .iter()
        .copied()
        .filter(|p| e.covers(*p))
        .filter(|p| {
            protos.iter().any(|proto| {
                !entries[..idx].iter().any(|l| {
                    l.entry.egress == e.entry.egress
                        && (l.protocol == "all" || l.protocol == *proto)
                        && l.covers(*p)
                        && match (l.cidr, e.cidr) {
                            (Some(lc), Some(ec)) => lc.contains(&ec),
                            _ => false,
                        }
                })
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_model::ec2::PortRange;

    fn entry(
        n: i64,
        action: &str,
        proto: &str,
        cidr: &str,
        ports: Option<(i64, i64)>,
    ) -> NetworkAclEntry {
        NetworkAclEntry {
            rule_number: n,
            protocol: proto.into(),
            rule_action: action.into(),
            egress: false,
            cidr_block: Some(cidr.into()),
            ipv6_cidr_block: None,
            port_range: ports.map(|(from, to)| PortRange { from, to }),
        }
    }

    #[test]
    fn a_negative_bound_covers_every_port_as_the_port_facts_read_it() {
        // An unset (negative) bound is all ports, whichever end it is on:
        // the same reading as `ports::ports_in`, so an entry's match and the
        // ports it opens never disagree.
        for (from, to) in [(-1, -1), (-1, 80), (22, -1)] {
            let raw = entry(100, "allow", "6", "0.0.0.0/0", Some((from, to)));
            let e = Entry::read(&raw).expect("entry");
            for p in [22, 443, 3389] {
                assert!(e.covers(p), "{from}..{to} covers {p}");
                assert_eq!(
                    crate::facts::ports::ports_in(&[p], &e.protocol, e.from, e.to),
                    [p]
                );
            }
        }
    }

    fn reachable(raw: &[NetworkAclEntry]) -> Vec<Vec<i64>> {
        let mut entries: Vec<Entry<'_>> =
            raw.iter().map(|e| Entry::read(e).expect("entry")).collect();
        sort_in_rule_order(&mut entries);
        (0..entries.len())
            .map(|i| reachable_ports(&entries, i, &[22, 443, 3389]))
            .collect()
    }

    #[test]
    fn an_earlier_deny_decides_the_port() {
        let raw = [
            entry(200, "allow", "-1", "0.0.0.0/0", None),
            entry(100, "deny", "6", "0.0.0.0/0", Some((22, 22))),
        ];
        // Sorted: the deny (100) first; the allow then opens 22 only to UDP.
        assert_eq!(reachable(&raw), vec![vec![], vec![22, 443, 3389]]);
        let raw = [
            entry(100, "deny", "-1", "0.0.0.0/0", None),
            entry(200, "allow", "6", "0.0.0.0/0", Some((0, 65_535))),
        ];
        assert_eq!(reachable(&raw), vec![Vec::<i64>::new(), Vec::new()]);
    }

    #[test]
    fn a_narrower_earlier_range_does_not_decide() {
        let raw = [
            entry(100, "deny", "6", "10.0.0.0/8", Some((22, 22))),
            entry(200, "allow", "6", "0.0.0.0/0", Some((22, 443))),
        ];
        assert_eq!(reachable(&raw), vec![vec![], vec![22, 443]]);
    }

    #[test]
    fn bad_cidr_and_port_facts() {
        let bad = entry(100, "allow", "6", "10.0.0.0/99", None);
        assert_eq!(Entry::read(&bad).err(), Some("10.0.0.0/99"));
        let all = entry(100, "allow", "-1", "0.0.0.0/0", Some((22, 22)));
        let all = Entry::read(&all).expect("entry");
        assert_eq!((all.from, all.to), (-1, -1));
        assert!(all.all_ports() && all.covers(1));
        assert_eq!(all.prefix_length(), 0);
        for (from, to, all) in [(1, 65_535, true), (0, 65_535, true), (2, 65_535, false)] {
            let e = entry(100, "allow", "6", "0.0.0.0/0", Some((from, to)));
            assert_eq!(
                Entry::read(&e).expect("entry").all_ports(),
                all,
                "{from}-{to}"
            );
        }
        let icmp = entry(100, "allow", "1", "10.0.0.0/8", None);
        let icmp = Entry::read(&icmp).expect("entry");
        assert!(!icmp.covers(22));
    }
}
