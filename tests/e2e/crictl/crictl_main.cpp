#include "crictl/crictl.h"

int main(int argc, char** argv) { return k3s::crictl::run_crictl({argv + 1, argv + argc}); }
