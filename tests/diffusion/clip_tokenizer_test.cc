#include "diffusion/clip_tokenizer.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace depict::diffusion {
namespace {

namespace fs = std::filesystem;

// Reference ids written by tools/make_tokenizer_fixtures.py from transformers' CLIPTokenizer
// (SD 1.x) and open_clip's SimpleTokenizer (SD 2.x), over the vocabulary scripts/fetch-models.sh
// downloads.
const nlohmann::json& Fixture() {
  static const nlohmann::json kFixture = [] {
    std::ifstream in(fs::path(DEPICT_FIXTURES) / "tokenizer" / "clip_tokens.json");
    if (!in) throw std::runtime_error("cannot read tokenizer/clip_tokens.json");
    return nlohmann::json::parse(in);
  }();
  return kFixture;
}

fs::path VocabPath() { return DefaultClipVocabPath(DEPICT_MODELS_DIR); }

// The vocabulary, loaded once per flavour. A missing file fails the test with the loader's
// message, which says to run scripts/fetch-models.sh.
const ClipTokenizer& Tokenizer(ClipFlavor flavor = ClipFlavor::kOpenAi) {
  static const ClipTokenizer kOpenAi = ClipTokenizer::FromBpeGz(VocabPath(), ClipFlavor::kOpenAi);
  static const ClipTokenizer kOpenClip =
      ClipTokenizer::FromBpeGz(VocabPath(), ClipFlavor::kOpenClip);
  return flavor == ClipFlavor::kOpenAi ? kOpenAi : kOpenClip;
}

bool VocabularyLoads() {
  try {
    Tokenizer();
    return true;
  } catch (const ClipTokenizerError& e) {
    ADD_FAILURE() << e.what();
    return false;
  }
}

std::string Ids(const std::vector<int>& ids) {
  std::ostringstream out;
  out << "[";
  for (size_t i = 0; i < ids.size(); ++i) out << (i ? ", " : "") << ids[i];
  out << "]";
  return out.str();
}

// A scratch directory removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    path_ =
        fs::temp_directory_path() /
        ("depict_clip_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
         "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void WriteFile(const fs::path& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary);
  out << data;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST(ClipTokenizerTest, MatchesTransformersClipTokenizerOnFixtureStrings) {
  ASSERT_TRUE(VocabularyLoads());
  const nlohmann::json& cases = Fixture()["cases"];
  ASSERT_GE(cases.size(), 300u);
  int compared = 0;
  for (const auto& c : cases) {
    if (c.contains("skip")) continue;
    std::string text = c["text"].get<std::string>();
    std::vector<int> expected = c["ids"].get<std::vector<int>>();
    std::vector<int> actual = Tokenizer().Encode(text);
    EXPECT_EQ(actual, expected) << "text: " << nlohmann::json(text).dump() << "\n  expected "
                                << Ids(expected) << "\n  actual   " << Ids(actual);
    ++compared;
  }
  EXPECT_GE(compared, 300);
}

TEST(ClipTokenizerTest, MatchesOpenClipSimpleTokenizerOnFixtureStrings) {
  ASSERT_TRUE(VocabularyLoads());
  int differing = 0;
  for (const auto& c : Fixture()["cases"]) {
    if (c.contains("skip")) continue;
    std::string text = c["text"].get<std::string>();
    // open_clip differs from transformers only in HTML entities and special-token spellings.
    const char* key = c.contains("open_clip_ids") ? "open_clip_ids" : "ids";
    differing += c.contains("open_clip_ids") ? 1 : 0;
    std::vector<int> expected = c[key].get<std::vector<int>>();
    std::vector<int> actual = Tokenizer(ClipFlavor::kOpenClip).Encode(text);
    EXPECT_EQ(actual, expected) << "text: " << nlohmann::json(text).dump() << "\n  expected "
                                << Ids(expected) << "\n  actual   " << Ids(actual);
  }
  EXPECT_GT(differing, 10);
}

TEST(ClipTokenizerTest, OnlyDocumentedStringsAreSkipped) {
  // ftfy's mojibake repair and HTML5 entities beyond HTML 4 are the only known divergences.
  std::vector<std::string> skipped;
  for (const auto& c : Fixture()["cases"]) {
    if (!c.contains("skip")) continue;
    skipped.push_back(c["text"].get<std::string>());
    EXPECT_FALSE(c["skip"].get<std::string>().empty());
  }
  EXPECT_LE(skipped.size(), 4u);
}

TEST(ClipTokenizerTest, Pack77MatchesSd1AndSd2References) {
  ASSERT_TRUE(VocabularyLoads());
  const nlohmann::json& fixture = Fixture();
  EXPECT_EQ(fixture["bos"].get<int>(), kClipBosId);
  EXPECT_EQ(fixture["eos"].get<int>(), kClipEosId);
  EXPECT_EQ(fixture["sd1_pad"].get<int>(), kSd1PadId);
  EXPECT_EQ(fixture["sd2_pad"].get<int>(), kSd2PadId);
  ASSERT_FALSE(fixture["pack77"].empty());
  for (const auto& p : fixture["pack77"]) {
    std::string text = p["text"].get<std::string>();
    EXPECT_EQ(Pack77(Tokenizer().Encode(text), kSd1PadId), p["sd1"].get<std::vector<int>>())
        << text;
    EXPECT_EQ(Pack77(Tokenizer(ClipFlavor::kOpenClip).Encode(text), kSd2PadId),
              p["sd2"].get<std::vector<int>>())
        << text;
  }
}

TEST(ClipTokenizerTest, Pack77PadsAndTruncates) {
  std::vector<int> empty = Pack77({}, kSd2PadId);
  ASSERT_EQ(empty.size(), 77u);
  EXPECT_EQ(empty[0], kClipBosId);
  EXPECT_EQ(empty[1], kClipEosId);
  for (size_t i = 2; i < 77; ++i) EXPECT_EQ(empty[i], 0) << i;

  std::vector<int> three = Pack77({320, 1125, 539}, kSd1PadId);
  ASSERT_EQ(three.size(), 77u);
  EXPECT_EQ((std::vector<int>(three.begin(), three.begin() + 5)),
            (std::vector<int>{kClipBosId, 320, 1125, 539, kClipEosId}));
  for (size_t i = 5; i < 77; ++i) EXPECT_EQ(three[i], kClipEosId) << i;

  std::vector<int> long_ids(100);
  for (int i = 0; i < 100; ++i) long_ids[i] = 1000 + i;
  std::vector<int> truncated = Pack77(long_ids, kSd2PadId);
  ASSERT_EQ(truncated.size(), 77u);
  EXPECT_EQ(truncated[0], kClipBosId);
  EXPECT_EQ(truncated[1], 1000);
  EXPECT_EQ(truncated[75], 1074);
  EXPECT_EQ(truncated[76], kClipEosId);

  std::vector<int> exact(long_ids.begin(), long_ids.begin() + 75);
  std::vector<int> full = Pack77(exact, kSd2PadId);
  EXPECT_EQ(full[75], 1074);
  EXPECT_EQ(full[76], kClipEosId);
}

TEST(ClipTokenizerTest, TokensDecodeAndVocabulary) {
  ASSERT_TRUE(VocabularyLoads());
  const ClipTokenizer& tokenizer = Tokenizer();
  EXPECT_EQ(tokenizer.vocab_size(), 49408u);
  EXPECT_EQ(tokenizer.Tokenize("A photo of a cat, 4k!"),
            (std::vector<std::string>{"a</w>", "photo</w>", "of</w>", "a</w>", "cat</w>", ",</w>",
                                      "4</w>", "k</w>", "!</w>"}));
  EXPECT_EQ(tokenizer.TokenId("!"), 0);
  EXPECT_EQ(tokenizer.TokenId("cat</w>"), 2368);
  EXPECT_EQ(tokenizer.TokenId("<|endoftext|>"), kClipEosId);
  EXPECT_EQ(tokenizer.TokenId("no such token"), std::nullopt);
  EXPECT_EQ(tokenizer.comma_id(), 267);
  EXPECT_EQ(tokenizer.pad_id(), std::nullopt);
  EXPECT_EQ(Tokenizer(ClipFlavor::kOpenClip).TokenId("<end_of_text>"), kClipEosId);
  EXPECT_EQ(tokenizer.Decode(tokenizer.Encode("A photo of a café, 東京")),
            "a photo of a café , 東京");
  EXPECT_EQ(tokenizer.Decode(Pack77(tokenizer.Encode("a dog"), kSd1PadId)), "a dog");
}

TEST(ClipTokenizerTest, EncodeIsThreadSafe) {
  ASSERT_TRUE(VocabularyLoads());
  const std::vector<std::string> texts = {"a portrait of a doctor", "東京タワー at night",
                                          "(masterpiece:1.2), best quality", "naïve café 🙂"};
  std::vector<std::vector<int>> expected;
  for (const std::string& t : texts) expected.push_back(Tokenizer().Encode(t));
  std::vector<std::thread> threads;
  std::array<int, 4> failures{};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 200; ++round) {
        size_t i = static_cast<size_t>(round + t) % texts.size();
        std::string text = texts[i] + " " + std::to_string(round % 7);
        std::vector<int> ids = Tokenizer().Encode(text);
        ids.resize(expected[i].size());
        if (ids != expected[i]) ++failures[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures, (std::array<int, 4>{}));
}

TEST(ClipTokenizerTest, InvalidUtf8BecomesReplacementCharacters) {
  ASSERT_TRUE(VocabularyLoads());
  EXPECT_EQ(Tokenizer().Encode("a\xff\xfe b"), Tokenizer().Encode("a\xEF\xBF\xBD\xEF\xBF\xBD b"));
  EXPECT_EQ(SanitizeUtf8("ok\xC3"), "ok\xEF\xBF\xBD");
}

TEST(ClipTokenizerTest, CleanTextFollowsFtfyAndLowerCases) {
  EXPECT_EQ(CleanClipText("  Hello \t\n  WORLD  "), "hello world");
  EXPECT_EQ(CleanClipText("R&amp;B &lt;3"), "r&b <3");
  EXPECT_EQ(CleanClipText("<b>R&amp;B</b>"), "<b>r&amp;b</b>");  // looks like HTML: kept
  EXPECT_EQ(CleanClipText("P&EACUTE;REZ &#x41;&#66;"), "pérez ab");
  // ftfy repeats its fixes until nothing changes; html.unescape also takes "&amp" (SD 2.x).
  EXPECT_EQ(CleanClipText("&amp;amp; &amp"), "& &amp");
  EXPECT_EQ(CleanClipText("&amp;amp;amp; &amp", ClipFlavor::kOpenClip), "& &");
  EXPECT_EQ(CleanClipText("\u201cdon\u2019t\u201d"), "\"don't\"");
  EXPECT_EQ(CleanClipText("\uFB01ne \uFB02ower"), "fine flower");
  EXPECT_EQ(CleanClipText("\uFF21\uFF22\uFF23\u3000\uFF11\uFF12"), "abc 12");
  EXPECT_EQ(CleanClipText("\uFF8A\uFF9F\uFF9D"), "\u30D1\u30F3");  // half-width katakana, NFC
  EXPECT_EQ(CleanClipText("cafe\u0301"), "caf\u00E9");
  EXPECT_EQ(CleanClipText("\u039F\u0394\u039F\u03A3 \u03A3\u0391"),
            "\u03BF\u03B4\u03BF\u03C2 \u03C3\u03B1");                  // final sigma
  EXPECT_EQ(CleanClipText("\u0130stanbul"), "i\u0307stanbul");         // as str.lower()
  EXPECT_EQ(CleanClipText("\x1b[31mred\x1b[0m\x07"), "red");           // terminal escapes
  EXPECT_EQ(CleanClipText("\xC2\x93quoted\xC2\x94"), "\"quoted\"");    // C1 as cp1252
  EXPECT_EQ(CleanClipText("a\u00A0b\u2003c\u200Bd"), "a b c\u200Bd");  // White_Space only
  EXPECT_EQ(CleanClipText("\uFEFFbom"), "bom");
}

TEST(ClipTokenizerTest, MissingVocabularySaysToFetchIt) {
  TempDir dir;
  fs::path missing = dir.path() / "bpe_simple_vocab_16e6.txt.gz";
  try {
    ClipTokenizer::FromBpeGz(missing);
    FAIL() << "no error for a missing vocabulary";
  } catch (const ClipTokenizerError& e) {
    std::string message = e.what();
    EXPECT_NE(message.find(missing.string()), std::string::npos) << message;
    EXPECT_NE(message.find("not found"), std::string::npos) << message;
    EXPECT_NE(message.find("scripts/fetch-models.sh"), std::string::npos) << message;
  }
}

TEST(ClipTokenizerTest, CorruptVocabularySaysToFetchIt) {
  ASSERT_TRUE(VocabularyLoads());
  TempDir dir;
  std::string real = ReadFile(VocabPath());
  ASSERT_GT(real.size(), 100000u);
  const std::vector<std::pair<std::string, std::string>> corrupt = {
      {"plain.gz", "not gzip at all\n"},            // not gzip
      {"cut.gz", real.substr(0, real.size() / 2)},  // gzip stream cut short
      {"flipped.gz", real.substr(0, 200) + std::string(5000, '\x55') + real.substr(5200)},
      {"empty.gz", ""},
  };
  for (const auto& [name, data] : corrupt) {
    fs::path path = dir.path() / name;
    WriteFile(path, data);
    try {
      ClipTokenizer::FromBpeGz(path);
      ADD_FAILURE() << name << ": no error";
    } catch (const ClipTokenizerError& e) {
      std::string message = e.what();
      EXPECT_NE(message.find(path.string()), std::string::npos) << message;
      EXPECT_NE(message.find("scripts/fetch-models.sh"), std::string::npos) << message;
    }
  }
}

// The printable symbol GPT-2/CLIP byte-level BPE gives each byte, as UTF-8.
std::string ByteSymbol(int b) {
  bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
  int code_point = b;
  if (!printable) {
    code_point = 256;
    for (int other = 0; other < b; ++other) {
      bool p = (other >= '!' && other <= '~') || (other >= 0xA1 && other <= 0xAC) ||
               (other >= 0xAE && other <= 0xFF);
      if (!p) ++code_point;
    }
  }
  std::string out;
  if (code_point < 0x80) {
    out.push_back(static_cast<char>(code_point));
  } else {
    out.push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
  return out;
}

// A miniature diffusers tokenizer/ folder: byte symbols, three merges, the special tokens.
void WriteMiniDiffusersFolder(const fs::path& dir, const std::string& pad_token) {
  nlohmann::json vocab = nlohmann::json::object();
  int id = 0;
  for (int b = 0; b < 256; ++b) vocab[ByteSymbol(b)] = id++;
  for (int b = 0; b < 256; ++b) vocab[ByteSymbol(b) + "</w>"] = id++;
  vocab["ca"] = id++;
  vocab["cat</w>"] = id++;
  vocab["do"] = id++;
  vocab["<|startoftext|>"] = id++;
  vocab["<|endoftext|>"] = id++;
  fs::create_directories(dir);
  WriteFile(dir / "vocab.json", vocab.dump());
  WriteFile(dir / "merges.txt", "#version: 0.2\nc a\nca t</w>\nd o\n");
  if (!pad_token.empty()) {
    WriteFile(dir / "special_tokens_map.json",
              nlohmann::json{{"pad_token", {{"content", pad_token}}}}.dump());
  }
}

TEST(ClipTokenizerTest, LoadsDiffusersTokenizerFolder) {
  TempDir dir;
  WriteMiniDiffusersFolder(dir.path() / "tokenizer", "!");
  // A checkpoint folder with tokenizer/ inside, or the tokenizer/ folder itself.
  for (const fs::path& path : {dir.path(), dir.path() / "tokenizer"}) {
    ClipTokenizer tokenizer = ClipTokenizer::Load(path);
    int cat = *tokenizer.TokenId("cat</w>");
    int ca = *tokenizer.TokenId("ca");
    int do_ = *tokenizer.TokenId("do");
    EXPECT_EQ(tokenizer.Encode("Cat"), (std::vector<int>{cat}));
    EXPECT_EQ(tokenizer.Encode("cab dog"), (std::vector<int>{ca, *tokenizer.TokenId("b</w>"), do_,
                                                             *tokenizer.TokenId("g</w>")}));
    EXPECT_EQ(tokenizer.Encode("cat<|endoftext|>"),
              (std::vector<int>{cat, *tokenizer.TokenId("<|endoftext|>")}));
    EXPECT_EQ(tokenizer.pad_id(), tokenizer.TokenId("!"));
    // transformers splits the pad token out of the text like BOS and EOS.
    EXPECT_EQ(tokenizer.Encode("cat!"), (std::vector<int>{cat, *tokenizer.TokenId("!")}));
    EXPECT_EQ(tokenizer.comma_id(), *tokenizer.TokenId(",</w>"));
  }

  TempDir sd1;
  WriteMiniDiffusersFolder(sd1.path(), "<|endoftext|>");
  ClipTokenizer tokenizer = ClipTokenizer::FromDiffusersFolder(sd1.path());
  EXPECT_EQ(tokenizer.pad_id(), *tokenizer.TokenId("<|endoftext|>"));
  EXPECT_EQ(tokenizer.Encode("cat!"),
            (std::vector<int>{*tokenizer.TokenId("cat</w>"), *tokenizer.TokenId("!</w>")}));
}

TEST(ClipTokenizerTest, BadDiffusersFolderIsAClearError) {
  TempDir dir;
  EXPECT_THROW(ClipTokenizer::FromDiffusersFolder(dir.path()), ClipTokenizerError);

  WriteMiniDiffusersFolder(dir.path(), "");
  WriteFile(dir.path() / "vocab.json", "{\"a\": ");
  EXPECT_THROW(ClipTokenizer::FromDiffusersFolder(dir.path()), ClipTokenizerError);

  WriteMiniDiffusersFolder(dir.path(), "");
  WriteFile(dir.path() / "merges.txt", "#version: 0.2\nc a\nx y\n");  // "xy" is no token
  try {
    ClipTokenizer::FromDiffusersFolder(dir.path());
    FAIL() << "no error for a merge outside the vocabulary";
  } catch (const ClipTokenizerError& e) {
    EXPECT_NE(std::string(e.what()).find("'xy'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace depict::diffusion

namespace depict::diffusion {
namespace {

// Tokenizer files are bounded regular files: a FIFO is refused at once, and a gzip bomb in
// place of the BPE merges stops at the size limit instead of filling memory.
TEST(ClipTokenizerHostileTest, FifoFilesAndGzipBombsAreRefused) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("depict_tok_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "tokenizer");
  ASSERT_EQ(mkfifo((dir / "tokenizer" / "vocab.json").c_str(), 0600), 0);
  std::ofstream(dir / "tokenizer" / "merges.txt") << "#version: 0.2\n";
  try {
    ClipTokenizer::FromDiffusersFolder(dir);
    FAIL() << "a FIFO vocab.json was read";
  } catch (const ClipTokenizerError& e) {
    EXPECT_NE(std::string(e.what()).find("FIFO"), std::string::npos) << e.what();
  }
  const fs::path bomb = dir / "bomb.txt.gz";
  gzFile out = gzopen(bomb.c_str(), "wb9");
  ASSERT_NE(out, nullptr);
  const std::string zeros(1 << 20, '0');
  for (int i = 0; i < 65; ++i) gzwrite(out, zeros.data(), static_cast<unsigned>(zeros.size()));
  gzclose(out);
  EXPECT_LT(fs::file_size(bomb), 1u << 20);
  try {
    ClipTokenizer::FromBpeGz(bomb);
    FAIL() << "a gzip bomb was inflated";
  } catch (const ClipTokenizerError& e) {
    EXPECT_NE(std::string(e.what()).find("inflates past"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace depict::diffusion
