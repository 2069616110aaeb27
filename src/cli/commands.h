// Subcommands of the `depict` binary. Each registers its options on the app and runs when chosen.
#ifndef DEPICT_CLI_COMMANDS_H_
#define DEPICT_CLI_COMMANDS_H_

#include <CLI/CLI.hpp>
#include <functional>

namespace depict::cli {

// Returns the function that runs the command once the command line is parsed; it returns the
// process exit code.
std::function<int()> AddPlanCommand(CLI::App& app);
std::function<int()> AddDemoCommand(CLI::App& app);
std::function<int()> AddGenerateCommand(CLI::App& app);
std::function<int()> AddInspectCommand(CLI::App& app);
std::function<int()> AddServeCommand(CLI::App& app);
std::function<int()> AddWorkerCommand(CLI::App& app);
std::function<int()> AddAuditCommand(CLI::App& app);

}  // namespace depict::cli

#endif  // DEPICT_CLI_COMMANDS_H_
