// Header links: the block hash of the profile, the parent link and height continuity.
#include "analyzers.h"

namespace forensics {
namespace {

class HeaderLinksAnalyzer final : public Analyzer {
 public:
  std::string_view name() const override { return "header_links"; }

  void OnBlock(const BlockContext& ctx, BlockVerdict* v) override {
    const BlockHeader& h = ctx.block->header;
    if (!ctx.computed_hash) {
      v->unverifiable.push_back({UncheckedKind::kBlockHashFieldMissing, ctx.hash_missing_field});
    } else if (!h.hash) {
      v->unverifiable.push_back({UncheckedKind::kBlockHashNotStored, {}});
    } else if (*h.hash != *ctx.computed_hash) {
      Finding f;
      f.height = h.height;
      f.code = FindingCode::kBlockHashMismatch;
      f.expected = ctx.computed_hash->Hex();
      f.actual = h.hash->Hex();
      f.values = {{"block_hash", ValueUnit::kHash, ValueRelation::kEqual, f.expected, f.actual}};
      f.detail = fmt::format("the stored hash is not the {} hash of the header", ProfileName(ctx.profile));
      v->findings.push_back(std::move(f));
    }
    if (!ctx.previous) return;
    const PreviousBlock& p = *ctx.previous;
    if (h.height != p.height + 1) {
      Finding f;
      f.height = h.height;
      f.code = FindingCode::kHeightGap;
      f.expected = fmt::format("height {}", p.height + 1);
      f.actual = fmt::format("height {}", h.height);
      f.values = {{"height", ValueUnit::kHeight, ValueRelation::kEqual, fmt::format("{}", p.height + 1),
                   fmt::format("{}", h.height)}};
      f.detail = fmt::format("{} block(s) missing after height {}", h.height - p.height - 1, p.height);
      v->findings.push_back(std::move(f));
      return;  // the parent is not in the input
    }
    // The parent link refers to the hash the node stored for the parent (its computed hash if the
    // input has none).
    std::optional<Hash32> parent = p.stored_hash ? p.stored_hash : p.computed_hash;
    if (!h.parent_hash || !parent) {
      v->unverifiable.push_back({UncheckedKind::kParentLink, {}});
    } else if (*h.parent_hash != *parent) {
      Finding f;
      f.height = h.height;
      f.code = FindingCode::kParentLinkBroken;
      f.expected = parent->Hex();
      f.actual = h.parent_hash->Hex();
      f.values = {{"parent_hash", ValueUnit::kHash, ValueRelation::kEqual, f.expected, f.actual}};
      f.detail = fmt::format("parent_hash does not name block {}", p.height);
      v->findings.push_back(std::move(f));
    }
  }
};

}  // namespace

std::unique_ptr<Analyzer> MakeHeaderLinksAnalyzer(const AnalyzerOptions&) {
  return std::make_unique<HeaderLinksAnalyzer>();
}

}  // namespace forensics
