#!/bin/sh
touch @MARK@
