// depict: casting planner, Stable Diffusion engine (and, later, inspection) for images of people.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{
      "depict: generates pictures of people from text and gets who is in the picture right.\n"
      "Run 'depict COMMAND --help' for a command's options."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "depict 0.1.0");
  const auto plan = depict::cli::AddPlanCommand(app);
  const auto demo = depict::cli::AddDemoCommand(app);
  const auto generate = depict::cli::AddGenerateCommand(app);
  const auto inspect = depict::cli::AddInspectCommand(app);
  const auto serve = depict::cli::AddServeCommand(app);
  const auto worker = depict::cli::AddWorkerCommand(app);
  const auto audit = depict::cli::AddAuditCommand(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (app.got_subcommand("plan")) return plan();
  if (app.got_subcommand("demo")) return demo();
  if (app.got_subcommand("generate")) return generate();
  if (app.got_subcommand("inspect")) return inspect();
  if (app.got_subcommand("serve")) return serve();
  if (app.got_subcommand("worker")) return worker();
  if (app.got_subcommand("audit")) return audit();
  return 2;
}
