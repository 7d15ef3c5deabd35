#include "core/tenant_leases.h"

namespace rollcall {

TenantLeases::Hold::~Hold() {
  // Gone with its service (shutting down): nothing to release, and the
  // clock may be going too.
  if (leases_.expired()) return;
  // Possibly on a driver's thread: the table is the loop's.
  clock_.Post([leases = leases_, slug = std::move(slug_), ticket = ticket_] {
    if (auto table = leases.lock()) table->Release(slug, ticket);
  });
}

std::shared_ptr<TenantLeases> TenantLeases::Create(Clock& clock) {
  return std::make_shared<TenantLeases>(clock);
}

uint64_t TenantLeases::Acquire(const std::string& slug, std::string holder, Granted granted) {
  const uint64_t ticket = next_ticket_++;
  Lease& lease = leases_[slug];
  Waiter waiter{ticket, std::move(holder), std::move(granted)};
  if (lease.ticket == 0 && lease.waiting.empty()) {
    Grant(slug, lease, std::move(waiter));
  } else {
    lease.waiting.push_back(std::move(waiter));
  }
  return ticket;
}

void TenantLeases::Withdraw(const std::string& slug, uint64_t ticket) {
  auto it = leases_.find(slug);
  if (it == leases_.end()) return;
  auto& waiting = it->second.waiting;
  for (auto w = waiting.begin(); w != waiting.end(); ++w) {
    if (w->ticket == ticket) {
      waiting.erase(w);
      break;
    }
  }
  if (it->second.ticket == 0 && waiting.empty()) leases_.erase(it);
}

std::string TenantLeases::HolderOf(const std::string& slug) const {
  auto it = leases_.find(slug);
  return it == leases_.end() || it->second.ticket == 0 ? "" : it->second.holder;
}

bool TenantLeases::ReleasedSince(const std::string& slug, TimePoint since) const {
  auto it = released_at_.find(slug);
  return it != released_at_.end() && it->second > since;
}

void TenantLeases::Release(const std::string& slug, uint64_t ticket) {
  auto it = leases_.find(slug);
  if (it == leases_.end() || it->second.ticket != ticket) return;
  Lease& lease = it->second;
  lease.ticket = 0;
  lease.holder.clear();
  released_at_[slug] = clock_.Now();
  if (lease.waiting.empty()) {
    leases_.erase(it);
    return;
  }
  Waiter next = std::move(lease.waiting.front());
  lease.waiting.pop_front();
  Grant(slug, lease, std::move(next));
}

void TenantLeases::Grant(const std::string& slug, Lease& lease, Waiter waiter) {
  lease.ticket = waiter.ticket;
  lease.holder = waiter.holder;
  auto hold = std::make_shared<Hold>(clock_, weak_from_this(), slug, waiter.ticket);
  waiter.granted(std::move(hold));
}

}  // namespace rollcall
