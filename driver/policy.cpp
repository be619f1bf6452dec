#include "policy.h"

#include <cerrno>

namespace ipsec::xfrm {

const char* to_string(PolicyDir dir) {
  switch (dir) {
    case PolicyDir::kIn:
      return "in";
    case PolicyDir::kOut:
      return "out";
    case PolicyDir::kFwd:
      return "fwd";
  }
  return "?";
}

AddressFamily selector_family(const XfrmSelector& sel) {
  if (sel.saddr.family() != AddressFamily::kUnspec) return sel.saddr.family();
  return sel.daddr.family();
}

namespace {

bool address_match(const IpAddress& sel, unsigned prefixlen, const IpAddress& addr) {
  if (prefixlen == 0) return true;
  return sel.family() == addr.family() && driver::prefix_match(sel, addr, prefixlen);
}

}  // namespace

bool selector_match(const XfrmSelector& sel, const Flow& flow) {
  const AddressFamily family = selector_family(sel);
  if (family != AddressFamily::kUnspec && family != flow.src.family()) return false;
  if (!address_match(sel.saddr, sel.prefixlen_s, flow.src)) return false;
  if (!address_match(sel.daddr, sel.prefixlen_d, flow.dst)) return false;
  if (sel.proto && sel.proto != flow.proto) return false;
  if ((sel.sport ^ flow.sport) & sel.sport_mask) return false;
  if ((sel.dport ^ flow.dport) & sel.dport_mask) return false;
  return true;
}

bool same_selector(const XfrmSelector& a, const XfrmSelector& b) {
  auto same_addr = [](const IpAddress& x, const IpAddress& y) {
    if (x.family() == AddressFamily::kUnspec || y.family() == AddressFamily::kUnspec) {
      // An address not given is all zero.
      const IpAddress& z = x.family() == AddressFamily::kUnspec ? y : x;
      for (size_t i = 0; i < z.size(); ++i) {
        if (z.data()[i]) return false;
      }
      return true;
    }
    return x == y;
  };
  return selector_family(a) == selector_family(b) && same_addr(a.saddr, b.saddr) &&
         same_addr(a.daddr, b.daddr) && a.prefixlen_s == b.prefixlen_s &&
         a.prefixlen_d == b.prefixlen_d && a.proto == b.proto && a.sport == b.sport &&
         a.sport_mask == b.sport_mask && a.dport == b.dport && a.dport_mask == b.dport_mask;
}

uint32_t PolicyTable::gen_index(PolicyDir dir) {
  // xfrm_gen_index: a generator stepping by 8 with the direction in the low bits, skipping
  // indexes in use.
  for (;;) {
    uint32_t idx = idx_generator_ | static_cast<uint32_t>(dir);
    idx_generator_ += 8;
    if (idx == 0) idx = 8;
    bool used = false;
    for (const XfrmPolicy& p : policies_) used = used || p.index == idx;
    if (!used) return idx;
  }
}

Status PolicyTable::add(XfrmPolicy policy) {
  for (const XfrmPolicy& p : policies_) {
    if (p.dir == policy.dir && same_selector(p.sel, policy.sel)) {
      return Status(-EEXIST, "a policy with this selector and direction exists");
    }
  }
  policy.index = gen_index(policy.dir);
  policies_.push_back(std::move(policy));
  return Status::success();
}

Status PolicyTable::remove(const XfrmSelector& sel, PolicyDir dir) {
  for (auto it = policies_.begin(); it != policies_.end(); ++it) {
    if (it->dir == dir && same_selector(it->sel, sel)) {
      policies_.erase(it);
      return Status::success();
    }
  }
  return Status(-ENOENT, "no policy with this selector and direction");
}

size_t PolicyTable::flush() {
  const size_t n = policies_.size();
  policies_.clear();
  return n;
}

const XfrmPolicy* PolicyTable::lookup(PolicyDir dir, const Flow& flow) const {
  const XfrmPolicy* best = nullptr;
  for (const XfrmPolicy& p : policies_) {
    if (p.dir != dir || !selector_match(p.sel, flow)) continue;
    if (!best || p.priority < best->priority) best = &p;
  }
  return best;
}

std::vector<const XfrmPolicy*> PolicyTable::dump() const {
  std::vector<const XfrmPolicy*> out;
  for (auto it = policies_.rbegin(); it != policies_.rend(); ++it) out.push_back(&*it);
  return out;
}

}  // namespace ipsec::xfrm
