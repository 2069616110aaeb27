// Build-time tool: writes a C++ source defining depict::EmbeddedTables(), the bytes of every
// table file under a data directory keyed by its path relative to that directory.
//   embed_data DATA_DIR OUT.cc [FUNCTION EXTENSION]
// With FUNCTION and EXTENSION it defines depict::FUNCTION() over the files ending in EXTENSION
// ("EmbeddedSuites .jsonl" for data/suites/), or in any of a comma-separated list of them
// (".html,.js,.css,.json" for the service's page).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  if (argc != 3 && argc != 5) {
    std::cerr << "usage: embed_data DATA_DIR OUT.cc [FUNCTION EXTENSION]\n";
    return 2;
  }
  const std::string function = argc == 5 ? argv[3] : "EmbeddedTables";
  const std::string only = argc == 5 ? argv[4] : "";
  const fs::path root = argv[1];
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    const auto ext = e.path().extension();
    // data/lang/ holds the language lexicons, which src/lang embeds on its own.
    if (fs::relative(e.path(), root).begin()->string() == "lang") continue;
    const bool wanted =
        only.empty() ? (ext == ".tsv" || ext == ".json")
                     : ("," + only + ",").find("," + ext.string() + ",") != std::string::npos;
    if (e.is_regular_file() && wanted) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::ostringstream out;
  out << "// Generated from data/ by cmake/embed_data.cc. Do not edit.\n"
      << "#include <map>\n#include <string>\n#include <string_view>\n\nnamespace depict {\n";
  for (size_t i = 0; i < files.size(); ++i) {
    std::ifstream in(files[i], std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // A string literal may be at most 65536 bytes (-Woverlength-strings): a larger file is
    // written as an array of byte values instead.
    if (bytes.size() >= 65000) {
      out << "static const unsigned char kBytes" << i << "[] = {";
      for (size_t k = 0; k < bytes.size(); ++k) {
        out << (k % 24 == 0 ? "\n" : "") << static_cast<int>(static_cast<unsigned char>(bytes[k]))
            << ',';
      }
      out << "0};\nstatic const char* const kFile" << i << " = reinterpret_cast<const char*>(kBytes"
          << i << ");\nstatic constexpr size_t kSize" << i << " = " << bytes.size() << ";\n";
      continue;
    }
    out << "static const char kFile" << i << "[] =\n\"";
    size_t col = 0;
    for (unsigned char c : bytes) {
      if (c == '\n') {
        out << "\\n\"\n\"";
        col = 0;
        continue;
      }
      if (c == '"' || c == '\\') {
        out << '\\' << c;
      } else if (c >= 0x20 && c < 0x7f && c != '?') {
        out << c;
      } else {
        static const char* kHex = "0123456789abcdef";
        out << "\\x" << kHex[c >> 4] << kHex[c & 15] << "\"\"";
      }
      if (++col > 200) {
        out << "\"\n\"";
        col = 0;
      }
    }
    out << "\";\n";
    out << "static constexpr size_t kSize" << i << " = " << bytes.size() << ";\n";
  }
  out << "\nconst std::map<std::string, std::string_view>& " << function << "();\n"
      << "const std::map<std::string, std::string_view>& " << function << "() {\n"
      << "  static const std::map<std::string, std::string_view> kTables = {\n";
  for (size_t i = 0; i < files.size(); ++i) {
    out << "      {\"" << fs::relative(files[i], root).generic_string() << "\", {kFile" << i
        << ", kSize" << i << "}},\n";
  }
  out << "  };\n  return kTables;\n}\n}  // namespace depict\n";
  std::ofstream(argv[2], std::ios::binary) << out.str();
  return 0;
}
