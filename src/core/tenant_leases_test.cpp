#include "core/tenant_leases.h"

#include <gtest/gtest.h>

#include <vector>

#include "testing/fake_clock.h"

namespace rollcall {
namespace {

using Hold = std::shared_ptr<TenantLeases::Hold>;

class TenantLeasesTest : public ::testing::Test {
 protected:
  // Acquires `slug` for `who`, keeping the hold in holds[who] once granted.
  uint64_t Take(const std::string& slug, const std::string& who) {
    return leases->Acquire(slug, who, [this, who](Hold h) {
      granted.push_back(who);
      holds[who] = std::move(h);
    });
  }
  FakeClock clock;
  std::shared_ptr<TenantLeases> leases = TenantLeases::Create(clock);
  std::vector<std::string> granted;
  std::map<std::string, Hold> holds;
};

TEST_F(TenantLeasesTest, AFreeTenantIsGrantedAtOnceAndTheNextWaitsItsTurn) {
  Take("acme", "r1");
  Take("acme", "r2");
  Take("other", "r3");
  EXPECT_EQ(granted, (std::vector<std::string>{"r1", "r3"}));
  EXPECT_EQ(leases->HolderOf("acme"), "r1");
  holds.erase("r1");
  EXPECT_EQ(granted.size(), 2u);  // the release is posted to the loop
  clock.RunUntilIdle();
  EXPECT_EQ(granted, (std::vector<std::string>{"r1", "r3", "r2"}));
  EXPECT_EQ(leases->HolderOf("acme"), "r2");
}

TEST_F(TenantLeasesTest, EveryCopyOfAHoldMustGoBeforeTheNextRunGetsTheTenant) {
  Take("acme", "r1");
  Hold drivers_copy = holds["r1"];  // a driver still holds the deploy's callback
  Take("acme", "r2");
  holds.erase("r1");
  clock.RunUntilIdle();
  EXPECT_EQ(leases->HolderOf("acme"), "r1");
  drivers_copy.reset();
  clock.RunUntilIdle();
  EXPECT_EQ(leases->HolderOf("acme"), "r2");
}

TEST_F(TenantLeasesTest, AWithdrawnRequestIsNeverGranted) {
  Take("acme", "r1");
  uint64_t ticket = Take("acme", "r2");
  Take("acme", "r3");
  leases->Withdraw("acme", ticket);
  holds.erase("r1");
  clock.RunUntilIdle();
  EXPECT_EQ(granted, (std::vector<std::string>{"r1", "r3"}));
  holds.clear();
  clock.RunUntilIdle();
  EXPECT_FALSE(leases->Busy("acme"));
}

TEST_F(TenantLeasesTest, AHoldOutlivingTheTableReleasesNothing) {
  Take("acme", "r1");
  Hold survivor = holds["r1"];
  holds.clear();
  leases.reset();
  survivor.reset();
  clock.RunUntilIdle();  // the posted release finds the table gone
  SUCCEED();
}

}  // namespace
}  // namespace rollcall
