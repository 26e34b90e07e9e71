//! Network reachability from the internet (issue 14): for a network
//! interface and a port, whether a path exists from `0.0.0.0/0` or `::/0`
//! (public address, route to an internet gateway in the subnet's effective
//! route table, NACL inbound and ephemeral return traffic in rule order,
//! security group), directly or through an internet-facing load balancer;
//! with the hops of that path, or why there is none, or what data is
//! missing to tell.
//!
//! SKELETON: to be written.
