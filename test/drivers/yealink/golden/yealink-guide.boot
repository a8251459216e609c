#!version:1.0.0.1
## The header above must appear as-is in the first line
include:config "http://10.2.5.206/configure/account.cfg"
overwrite_mode = 1
