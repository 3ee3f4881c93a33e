/** The IPv4 subnet helpers live in src/api, shared with the managers' IPAM. */
export {
  formatIpv4,
  formatSubnet,
  gatewayOf,
  parseIpv4,
  parseSubnet,
  subnetContains,
  subnetsOverlap,
  type Ipv4Subnet,
} from '../../src/api';
