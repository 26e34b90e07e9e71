//! VPC peering routes (issue 14, CIS 6.6 "least access"): which side of a
//! peering connection is the peer of a route table's VPC, and whether a
//! route's destination is wider than the peer VPC's address space.
//!
//! A CIDR is either inside another or disjoint from it, so a destination
//! "covers more than the peer" exactly when no peer CIDR contains it and the
//! peer CIDRs inside it do not fill it (e.g. `0.0.0.0/0`, or `10.0.0.0/8` for
//! a `10.1.0.0/16` peer). Routing those extra addresses to the peering is
//! never needed: peering does not transit, so the peer drops them, and a
//! later peer CIDR (or a compromised peer announcing one) would receive them.

use palisade_model::routing::{PeeringVpcInfo, VpcPeeringConnection};

use super::cidr::Cidr;

/// The side of `pcx` that is not `vpc_id` (the route table's VPC), or
/// `None` when `vpc_id` is neither side.
pub fn peer_side<'a>(pcx: &'a VpcPeeringConnection, vpc_id: &str) -> Option<&'a PeeringVpcInfo> {
    let is = |side: &PeeringVpcInfo| side.vpc_id.as_deref() == Some(vpc_id);
    if is(&pcx.requester) {
        Some(&pcx.accepter)
    } else if is(&pcx.accepter) {
        Some(&pcx.requester)
    } else {
        None
    }
}

/// How a route's destination compares with the peer VPC's CIDRs of the
/// same address family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RouteWidth {
    /// The destination overlaps a peer CIDR and also covers addresses
    /// outside every peer CIDR.
    pub covers_more_than_peer: bool,
    /// The destination overlaps no peer CIDR at all.
    pub outside_peer: bool,
    /// The destination is exactly one of the peer's CIDRs.
    pub equals_peer_cidr: bool,
}

/// Number of addresses of a block (saturating for `::/0`).
fn size(c: &Cidr, v6: bool) -> u128 {
    let bits: u32 = if v6 { 128 } else { 32 };
    let host = bits - u32::from(c.prefix_len());
    if host >= 128 {
        u128::MAX
    } else {
        1u128 << host
    }
}

/// Compares `destination` with `peer_cidrs` (CIDRs of the other family are
/// ignored). `Err` names the first CIDR that does not parse.
pub fn route_width(destination: &str, peer_cidrs: &[String]) -> Result<RouteWidth, String> {
    let dest = Cidr::parse(destination).ok_or_else(|| destination.to_owned())?;
    let v6 = destination.contains(':');
    let mut peers = Vec::new();
    for p in peer_cidrs {
        let c = Cidr::parse(p).ok_or_else(|| p.clone())?;
        if p.contains(':') == v6 {
            peers.push(c);
        }
    }
    if peers.iter().any(|p| p.contains(&dest)) {
        return Ok(RouteWidth {
            equals_peer_cidr: peers.iter().any(|p| dest.contains(p)),
            ..RouteWidth::default()
        });
    }
    // Peer CIDRs inside the destination, each address counted once: a
    // block inside (or equal to) one already kept adds nothing.
    let mut kept: Vec<Cidr> = Vec::new();
    for p in peers.iter().filter(|p| dest.contains(p)) {
        if kept.iter().any(|k| k.contains(p)) {
            continue;
        }
        kept.retain(|k| !p.contains(k));
        kept.push(*p);
    }
    if kept.is_empty() {
        return Ok(RouteWidth {
            outside_peer: true,
            ..RouteWidth::default()
        });
    }
    let covered = kept
        .iter()
        .fold(0u128, |sum, p| sum.saturating_add(size(p, v6)));
    Ok(RouteWidth {
        covers_more_than_peer: covered < size(&dest, v6),
        ..RouteWidth::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(dest: &str, peers: &[&str]) -> RouteWidth {
        let peers: Vec<String> = peers.iter().map(|s| (*s).to_owned()).collect();
        route_width(dest, &peers).unwrap()
    }

    #[test]
    fn the_whole_internet_or_a_supernet_covers_more_than_the_peer() {
        assert!(w("0.0.0.0/0", &["10.1.0.0/16"]).covers_more_than_peer);
        assert!(w("10.0.0.0/8", &["10.1.0.0/16"]).covers_more_than_peer);
        assert!(w("10.0.0.0/8", &["10.1.0.0/16", "10.2.0.0/16"]).covers_more_than_peer);
        assert!(w("::/0", &["2600:1f18::/56"]).covers_more_than_peer);
    }

    #[test]
    fn the_peer_cidr_itself_or_a_part_of_it_is_least_access() {
        let exact = w("10.1.0.0/16", &["10.1.0.0/16"]);
        assert_eq!(
            exact,
            RouteWidth {
                equals_peer_cidr: true,
                ..RouteWidth::default()
            }
        );
        let part = w("10.1.2.0/24", &["10.1.0.0/16"]);
        assert!(!part.covers_more_than_peer && !part.outside_peer && !part.equals_peer_cidr);
    }

    #[test]
    fn a_supernet_exactly_filled_by_the_peer_cidrs_is_not_wider() {
        // 10.0.0.0/15 = 10.0.0.0/16 + 10.1.0.0/16, both the peer's.
        let r = w("10.0.0.0/15", &["10.0.0.0/16", "10.1.0.0/16"]);
        assert!(!r.covers_more_than_peer && !r.outside_peer);
        // A duplicate peer CIDR is counted once.
        assert!(w("10.0.0.0/15", &["10.0.0.0/16", "10.0.0.0/16"]).covers_more_than_peer);
    }

    #[test]
    fn a_destination_outside_the_peer_is_reported_as_such() {
        let r = w("192.168.0.0/16", &["10.1.0.0/16"]);
        assert!(r.outside_peer && !r.covers_more_than_peer);
        // IPv6 destination, IPv4-only peer: outside.
        assert!(w("2600:1f18::/56", &["10.1.0.0/16"]).outside_peer);
    }

    #[test]
    fn invalid_cidrs_are_errors() {
        assert_eq!(
            route_width("10.0.0.0/33", &[]),
            Err("10.0.0.0/33".to_owned())
        );
        assert_eq!(
            route_width("10.0.0.0/8", &["nope".to_owned()]),
            Err("nope".to_owned())
        );
    }

    #[test]
    fn the_peer_is_the_other_side() {
        let side = |v: &str| PeeringVpcInfo {
            vpc_id: Some(v.to_owned()),
            ..PeeringVpcInfo::default()
        };
        let pcx = VpcPeeringConnection {
            requester: side("vpc-a"),
            accepter: side("vpc-b"),
            ..VpcPeeringConnection::default()
        };
        assert_eq!(peer_side(&pcx, "vpc-a"), Some(&pcx.accepter));
        assert_eq!(peer_side(&pcx, "vpc-b"), Some(&pcx.requester));
        assert_eq!(peer_side(&pcx, "vpc-c"), None);
    }
}
