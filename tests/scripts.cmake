# Parquet tools for the tests.
add_executable(pqdump ${CMAKE_CURRENT_SOURCE_DIR}/parquet/pqdump.c)
target_link_libraries(pqdump PRIVATE reckoncore)

# Script tests: each gets the reckon binary under test as its first argument.
set(RK_BIN $<TARGET_FILE:reckon>)
set(RK_T ${CMAKE_CURRENT_SOURCE_DIR})

add_test(NAME golden COMMAND node ${RK_T}/golden/run.mjs ${RK_BIN})
add_test(NAME cli/help COMMAND bash ${RK_T}/cli/help.sh ${RK_BIN})
add_test(NAME cli/layouts COMMAND bash ${RK_T}/cli/layouts.sh ${RK_BIN})
add_test(NAME cli/bad-input COMMAND bash ${RK_T}/cli/bad_input.sh ${RK_BIN})
add_test(NAME cli/real-samples COMMAND bash ${RK_T}/cli/real_samples.sh ${RK_BIN})
add_test(NAME cli/crash COMMAND bash ${RK_T}/cli/crash.sh ${RK_BIN})
set_tests_properties(cli/crash PROPERTIES TIMEOUT 600)
add_test(NAME layers COMMAND bash ${CMAKE_SOURCE_DIR}/scripts/check-layers.sh)
add_test(NAME cli/parquet-real COMMAND bash ${RK_T}/cli/parquet_real.sh ${RK_BIN})
add_test(NAME cli/csv-vs-parquet COMMAND bash ${RK_T}/cli/csv_vs_parquet.sh ${RK_BIN})
# Settings and email: `reckon config`, and reckon's emails through a real SMTP
# server (Debian's aiosmtpd under /usr/bin/python3, STARTTLS + AUTH).
add_test(NAME cli/config COMMAND bash ${RK_T}/cli/config.sh ${RK_BIN})
add_test(NAME cli/connect-template COMMAND bash ${RK_T}/cli/connect_template.sh ${RK_BIN})
set_tests_properties(cli/connect-template PROPERTIES TIMEOUT 180)
add_test(NAME notify/email COMMAND /usr/bin/python3 ${RK_T}/notify/email_e2e.py ${RK_BIN})
set_tests_properties(notify/email PROPERTIES TIMEOUT 120)
# S3 and STS: s3rver behind a front that verifies every SigV4 signature with
# AWS's JavaScript signer and answers STS (tests/s3/front.mjs).
add_test(NAME s3/front-strict COMMAND bash ${RK_T}/s3/front_strict.sh ${RK_BIN})
add_test(NAME s3/ingest COMMAND bash ${RK_T}/s3/ingest.sh ${RK_BIN} $<TARGET_FILE:s3tool>)
add_test(NAME s3/faults COMMAND bash ${RK_T}/s3/faults.sh ${RK_BIN} $<TARGET_FILE:s3tool>)
set_tests_properties(s3/front-strict s3/ingest s3/faults PROPERTIES TIMEOUT 180)
add_test(NAME s3/instance-creds COMMAND bash ${RK_T}/s3/instance_creds.sh ${RK_BIN})
set_tests_properties(s3/instance-creds PROPERTIES TIMEOUT 180)
add_test(NAME s3/connect COMMAND bash ${RK_T}/s3/connect.sh ${RK_BIN})
set_tests_properties(s3/connect PROPERTIES TIMEOUT 180)
add_test(NAME s3/connect-manage COMMAND bash ${RK_T}/s3/connect_manage.sh ${RK_BIN})
set_tests_properties(s3/connect-manage PROPERTIES TIMEOUT 180)
add_test(NAME s3/sync COMMAND bash ${RK_T}/s3/sync.sh ${RK_BIN})
set_tests_properties(s3/sync PROPERTIES TIMEOUT 300)
# Commitment analytics against DuckDB SQL over the same files: the demo organization
# (legacy CSV and CUR 2.0 Parquet) and the real AWS months (docs/commitments.md).
add_test(NAME cli/commit-crosscheck COMMAND bash ${RK_T}/cli/commit_crosscheck.sh ${RK_BIN})
set_tests_properties(cli/commit-crosscheck PROPERTIES TIMEOUT 180)
add_test(NAME cli/commitments COMMAND bash ${RK_T}/cli/commitments.sh ${RK_BIN})
