#!version:1.0.0.1
include:config "y000000000000.cfg"
include:config "0021f2000001.cfg"
