// TEST-ONLY ORACLE for the differential test (framing_differential_test.cpp): the original simple implementation of
// the raw-head framing checks and the hop-by-hop header rules, kept verbatim so the optimised production code in
// src/http can be compared with it decision by decision. Not linked into aegis.
#pragma once

#include <string_view>

#include <boost/beast/http/fields.hpp>

#include "http/framing.h"

namespace aegis::http::reference {

// The rules were written for Beast's field container; production code applies them to http::FlatFields.
using Fields = boost::beast::http::fields;

HeadScan scan_head(std::string_view data, std::size_t max_bytes);
HeadCheck check_request_head(std::string_view head);
HeadCheck check_response_head(std::string_view head);
void remove_hop_by_hop(Fields& fields);
void append_list_value(Fields& fields, std::string_view name, std::string_view value);

}  // namespace aegis::http::reference
