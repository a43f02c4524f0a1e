[ 1 2.5 "three" null true [ ] { } ]
