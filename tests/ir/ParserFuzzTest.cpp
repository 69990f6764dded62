// ParserFuzzTest.cpp: the parser must answer every truncation or mutation of valid IR text with
// a graph or an error (never a crash or a hang), and whatever it accepts must print and verify
// without crashing.
#include <gtest/gtest.h>

#include <random>

#include "TestGraphs.h"
#include "ir/Parser.h"
#include "ir/Printer.h"
#include "ir/Verifier.h"

namespace kiln {
namespace {

const char* const kSeedText =
    "graph @\"seed graph\" {\n"
    "  input %x: f32[batch,3,?,4]\n"
    "  const %w: f32[2,3,1,1] = [1.0, 2.5, -3.0, 4e-05, inf, nan]\n"
    "  const %i: i64[2] = [0, -1]\n"
    "  const %h: f16[1] = [0.5]\n"
    "  %y: f32[batch,2,?,4] = Conv @conv (%x, %w, _) {pads = [0, 0, 0, 0], eps = 1e-05}\n"
    "  %a: ?[*], %b: f32[*] = Split @\"split 1\" (%y, %i) {mode = \"x\\\"y\", f = [0.5]}\n"
    "  output %a\n"
    "}\n";

/// Parses `text`; when it parses, printing and verifying must also be safe.
void parse_print_verify(const std::string& text) {
  Result<Graph> graph = parse_graph(text, "fuzz.kir");
  if (!graph.is_ok()) {
    EXPECT_FALSE(graph.error().message.empty());
    EXPECT_EQ(graph.error().file.rfind("fuzz.kir:", 0), 0u) << graph.error().to_string();
    return;
  }
  std::string printed = graph_to_string(*graph, PrintOptions{0});
  (void)verify_graph(*graph);
  Result<Graph> again = parse_graph(printed, "reprinted.kir");
  ASSERT_TRUE(again.is_ok()) << again.error().to_string() << "\n" << printed;
  EXPECT_EQ(graph_to_string(*again, PrintOptions{0}), printed);
}

TEST(ParserFuzz, SeedParses) {
  ASSERT_TRUE(parse_graph(kSeedText).is_ok());
}

TEST(ParserFuzz, EveryTruncation) {
  std::string seed = kSeedText;
  for (size_t length = 0; length <= seed.size(); ++length)
    parse_print_verify(seed.substr(0, length));
}

TEST(ParserFuzz, RandomMutations) {
  std::string seed = kSeedText;
  std::mt19937 random(12345);
  const std::string alphabet = "{}()[],:=?*%@\"\\_-.e0123456789abcfinx \n#/\x01\xff";
  for (int round = 0; round < 3000; ++round) {
    std::string text = seed;
    int edits = 1 + static_cast<int>(random() % 4);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      size_t at = random() % text.size();
      switch (random() % 4) {
        case 0:
          text[at] = alphabet[random() % alphabet.size()];
          break;
        case 1:
          text.erase(at, 1 + random() % 8);
          break;
        case 2:
          text.insert(at, 1, alphabet[random() % alphabet.size()]);
          break;
        default: {  // duplicate a slice, which redefines names and reorders lines
          size_t length = std::min<size_t>(text.size() - at, 1 + random() % 40);
          text.insert(random() % text.size(), text.substr(at, length));
        }
      }
    }
    parse_print_verify(text);
  }
}

}  // namespace
}  // namespace kiln
