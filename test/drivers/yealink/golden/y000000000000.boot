#!version:1.0.0.1
include:config "y000000000000.cfg"
