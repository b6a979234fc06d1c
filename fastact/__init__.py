"""fastact: fast activation functions and their derivatives."""
