// trainsite-gui [SCENARIO] [--screenshot OUT.png]: the planner's desktop app.
#include "gui/app.h"

int main(int argc, char** argv) {
  return trainsite::gui::run_app(argc, argv);
}
