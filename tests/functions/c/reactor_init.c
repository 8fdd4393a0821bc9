// A WASI reactor whose constructor must have run before the entry: `_initialize` (which runs the constructors)
// is the runner's job. The constructor also counts how often it ran in this instance's state.
__attribute__((import_module("env"), import_name("response_set_status"))) int response_set_status(int status);

static volatile int constructed;  // set by the constructor (volatile: not folded into static data)
static int entries;      // bumped by every entry call

__attribute__((constructor)) static void init(void) { constructed += 1; }

// Status 200 + 10 * constructor runs + entry calls seen by this instance state: 211 when every invocation
// starts from a freshly initialised state.
__attribute__((export_name("handle_request"))) int handle_request(void) {
  entries += 1;
  response_set_status(200 + 10 * constructed + entries);
  return 0;
}
