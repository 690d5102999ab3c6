// Empty: SwiftPM needs a source file in a C target; the header declares a function of the libFuzzer runtime.
#include "CLibFuzzer.h"
