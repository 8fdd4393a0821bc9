// Test module: header edits whose net effect differs from the individual calls, so that the node must forward
// exactly the final state of every field a function touched (and nothing else).
//   handle_request (request phase): x-temp set then removed (the client sent one: the origin sees none); x-fresh
//     set then removed (never sent: the origin sees none); x-two added twice (both lines, in order); x-multi
//     removed then re-added with one value (the client's two lines are replaced); X-Case then x-case set (one line,
//     the last value); framing fields set (content-length, transfer-encoding, connection): ignored.
//   handle_response (response phase): the same kinds of edit on the response — x-temp set then removed, x-two-resp
//     added twice, the origin's x-remove-me removed by another spelling, content-length set: ignored (the body
//     arrives whole).
#include "aegis_edge.h"

AEGIS_EDGE_FUNCTION(handle_request) {
  if (aegis_request_set_header("x-temp", "fn") != AEGIS_OK) return 1;
  if (aegis_request_remove_header("x-temp") != AEGIS_OK) return 2;
  if (aegis_request_set_header("x-fresh", "fn") != AEGIS_OK) return 3;
  if (aegis_request_remove_header("x-fresh") != AEGIS_OK) return 4;
  if (aegis_request_add_header("x-two", "first") != AEGIS_OK) return 5;
  if (aegis_request_add_header("x-two", "second") != AEGIS_OK) return 6;
  if (aegis_request_remove_header("x-multi") != AEGIS_OK) return 7;
  if (aegis_request_add_header("x-multi", "three") != AEGIS_OK) return 8;
  if (aegis_request_set_header("X-Case", "upper") != AEGIS_OK) return 9;
  if (aegis_request_set_header("x-case", "lower") != AEGIS_OK) return 10;
  if (aegis_request_set_header("content-length", "12345") != AEGIS_OK) return 11;
  if (aegis_request_set_header("transfer-encoding", "chunked") != AEGIS_OK) return 12;
  if (aegis_request_set_header("connection", "close") != AEGIS_OK) return 13;
  return 0;
}

AEGIS_EDGE_FUNCTION(handle_response) {
  if (aegis_response_set_header("x-temp", "fn") != AEGIS_OK) return 1;
  if (aegis_response_remove_header("x-temp") != AEGIS_OK) return 2;
  if (aegis_response_add_header("x-two-resp", "first") != AEGIS_OK) return 3;
  if (aegis_response_add_header("x-two-resp", "second") != AEGIS_OK) return 4;
  if (aegis_response_remove_header("X-Remove-Me") != AEGIS_OK) return 5;
  if (aegis_response_set_header("content-length", "1") != AEGIS_OK) return 6;
  return 0;
}
